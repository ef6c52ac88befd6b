/*
 * Countries, cities, shops and name lists for the demo store. Email domains end in `.example`
 * (reserved by RFC 2606), so a demo campaign can never mail a real person.
 */

export interface CitySpec {
  name: string;
  region: string;
  /** Relative share of the country's customers. */
  weight: number;
  /** `#` is a digit, `@` a capital letter. */
  postcodes: readonly string[];
  /** The shop in this city, if there is one. */
  shopId?: string;
}

export interface CountrySpec {
  code: string;
  /** Share of all customers. */
  weight: number;
  currency: 'EUR' | 'GBP';
  timezone: string;
  /** Offset of standard (winter) time from UTC, in hours; every country here follows EU summer time. */
  standardOffsetHours: number;
  languages: readonly (readonly [language: string, weight: number])[];
  dialCode: string;
  /** National significant number = prefix + `subscriberDigits` digits (a mobile number). */
  mobilePrefixes: readonly string[];
  subscriberDigits: number;
  /** How a shop assistant types the number: the trunk prefix before the national number. */
  trunkPrefix: string;
  cities: readonly CitySpec[];
  femaleNames: readonly string[];
  maleNames: readonly string[];
  lastNames: readonly string[];
  streets: readonly string[];
  /** Number first ("12 High Street") or street first ("Hauptstraße 12"). */
  numberFirst: boolean;
  flats: readonly string[];
  emailDomains: readonly string[];
}

const deFemale = ['Anna', 'Lena', 'Sophie', 'Marie', 'Laura', 'Julia', 'Hannah', 'Lea', 'Katharina', 'Sabine', 'Petra', 'Ursula', 'Emma', 'Mia', 'Clara', 'Johanna', 'Monika', 'Sarah', 'Birgit', 'Greta'];
const deMale = ['Lukas', 'Leon', 'Jonas', 'Felix', 'Paul', 'Maximilian', 'Thomas', 'Michael', 'Stefan', 'Andreas', 'Jan', 'Tobias', 'Klaus', 'Jürgen', 'Noah', 'Elias', 'Florian', 'Matthias', 'Wolfgang', 'Emre'];
const deLast = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hartmann', 'Lange', 'Yılmaz', 'Nowak', 'Kaya', 'Weiß'];
const deStreets = ['Hauptstraße', 'Bahnhofstraße', 'Gartenweg', 'Lindenallee', 'Schillerstraße', 'Goethestraße', 'Friedrichstraße', 'Bergstraße', 'Kastanienallee', 'Mühlenweg', 'Rosenstraße', 'Am Markt'];
const nlFemale = ['Emma', 'Julia', 'Sophie', 'Tess', 'Anna', 'Sanne', 'Fleur', 'Lisa', 'Eva', 'Anouk', 'Femke', 'Noor'];
const nlMale = ['Daan', 'Sem', 'Lucas', 'Levi', 'Bram', 'Thijs', 'Jesse', 'Ruben', 'Pieter', 'Jeroen', 'Sven', 'Milan'];
const frFemale = ['Camille', 'Léa', 'Manon', 'Chloé', 'Inès', 'Sarah', 'Juliette', 'Louise', 'Nathalie', 'Isabelle', 'Sophie', 'Élise', 'Margaux', 'Amélie'];
const frMale = ['Lucas', 'Hugo', 'Louis', 'Gabriel', 'Arthur', 'Jules', 'Nicolas', 'Julien', 'Pierre', 'Antoine', 'Thomas', 'Mathieu', 'Karim', 'François'];

export const countries: readonly CountrySpec[] = [
  {
    code: 'DE',
    weight: 34,
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    standardOffsetHours: 1,
    languages: [['de', 94], ['en', 4], ['tr', 2]],
    dialCode: '49',
    mobilePrefixes: ['151', '152', '157', '159', '176', '177', '178', '179'],
    subscriberDigits: 8,
    trunkPrefix: '0',
    cities: [
      { name: 'Berlin', region: 'Berlin', weight: 22, postcodes: ['10###', '12###', '13###'], shopId: 'DE-BER' },
      { name: 'München', region: 'Bayern', weight: 14, postcodes: ['80###', '81###'], shopId: 'DE-MUC' },
      { name: 'Hamburg', region: 'Hamburg', weight: 13, postcodes: ['20###', '22###'], shopId: 'DE-HAM' },
      { name: 'Köln', region: 'Nordrhein-Westfalen', weight: 10, postcodes: ['50###', '51###'] },
      { name: 'Frankfurt am Main', region: 'Hessen', weight: 8, postcodes: ['60###'] },
      { name: 'Stuttgart', region: 'Baden-Württemberg', weight: 7, postcodes: ['70###'] },
      { name: 'Düsseldorf', region: 'Nordrhein-Westfalen', weight: 6, postcodes: ['40###'] },
      { name: 'Leipzig', region: 'Sachsen', weight: 6, postcodes: ['04###'] },
      { name: 'Dresden', region: 'Sachsen', weight: 5, postcodes: ['01###'] },
      { name: 'Hannover', region: 'Niedersachsen', weight: 5, postcodes: ['30###'] },
      { name: 'Freiburg im Breisgau', region: 'Baden-Württemberg', weight: 4, postcodes: ['79###'] },
    ],
    femaleNames: deFemale,
    maleNames: deMale,
    lastNames: deLast,
    streets: deStreets,
    numberFirst: false,
    flats: ['2. OG', 'Hinterhaus', 'Whg. 4', '3. OG links'],
    emailDomains: ['gmx.example', 'web.example', 't-online.example', 'posteo.example', 'mailbox.example'],
  },
  {
    code: 'FR',
    weight: 15,
    currency: 'EUR',
    timezone: 'Europe/Paris',
    standardOffsetHours: 1,
    languages: [['fr', 97], ['en', 3]],
    dialCode: '33',
    mobilePrefixes: ['6', '7'],
    subscriberDigits: 8,
    trunkPrefix: '0',
    cities: [
      { name: 'Paris', region: 'Île-de-France', weight: 30, postcodes: ['7500#', '7501#'], shopId: 'FR-PAR' },
      { name: 'Lyon', region: 'Auvergne-Rhône-Alpes', weight: 14, postcodes: ['6900#'], shopId: 'FR-LYS' },
      { name: 'Marseille', region: "Provence-Alpes-Côte d'Azur", weight: 12, postcodes: ['130##'] },
      { name: 'Toulouse', region: 'Occitanie', weight: 9, postcodes: ['310##'] },
      { name: 'Nantes', region: 'Pays de la Loire', weight: 8, postcodes: ['440##'] },
      { name: 'Lille', region: 'Hauts-de-France', weight: 8, postcodes: ['590##'] },
      { name: 'Bordeaux', region: 'Nouvelle-Aquitaine', weight: 9, postcodes: ['330##'] },
      { name: 'Strasbourg', region: 'Grand Est', weight: 7, postcodes: ['670##'] },
    ],
    femaleNames: frFemale,
    maleNames: frMale,
    lastNames: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garcia', 'Fournier', 'Girard', 'Bonnet', 'Benali', 'Nguyen'],
    streets: ['rue de la République', 'avenue Victor Hugo', 'rue Pasteur', 'boulevard Voltaire', 'rue des Lilas', 'place de la Mairie', 'rue Jean Jaurès', 'allée des Tilleuls'],
    numberFirst: true,
    flats: ['Bât. B', 'Appt 12', '3e étage', 'Résidence Les Pins'],
    emailDomains: ['orange.example', 'free.example', 'laposte.example', 'mailbox.example'],
  },
  {
    code: 'NL',
    weight: 10,
    currency: 'EUR',
    timezone: 'Europe/Amsterdam',
    standardOffsetHours: 1,
    languages: [['nl', 92], ['en', 8]],
    dialCode: '31',
    mobilePrefixes: ['6'],
    subscriberDigits: 8,
    trunkPrefix: '0',
    cities: [
      { name: 'Amsterdam', region: 'Noord-Holland', weight: 30, postcodes: ['10## @@'], shopId: 'NL-AMS' },
      { name: 'Rotterdam', region: 'Zuid-Holland', weight: 22, postcodes: ['30## @@'], shopId: 'NL-RTM' },
      { name: 'Utrecht', region: 'Utrecht', weight: 14, postcodes: ['35## @@'] },
      { name: 'Den Haag', region: 'Zuid-Holland', weight: 14, postcodes: ['25## @@'] },
      { name: 'Eindhoven', region: 'Noord-Brabant', weight: 10, postcodes: ['56## @@'] },
      { name: 'Groningen', region: 'Groningen', weight: 10, postcodes: ['97## @@'] },
    ],
    femaleNames: nlFemale,
    maleNames: nlMale,
    lastNames: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters'],
    streets: ['Kerkstraat', 'Dorpsstraat', 'Molenweg', 'Prinsengracht', 'Stationsweg', 'Julianalaan', 'Wilhelminastraat', 'Nieuwstraat'],
    numberFirst: false,
    flats: ['2 hoog', 'A', 'bis', 'III'],
    emailDomains: ['ziggo.example', 'kpnmail.example', 'mailbox.example'],
  },
  {
    code: 'GB',
    weight: 15,
    currency: 'GBP',
    timezone: 'Europe/London',
    standardOffsetHours: 0,
    languages: [['en', 100]],
    dialCode: '44',
    mobilePrefixes: ['74', '75', '77', '78', '79'],
    subscriberDigits: 8,
    trunkPrefix: '0',
    cities: [
      { name: 'London', region: 'England', weight: 34, postcodes: ['E# #@@', 'N# #@@', 'SW# #@@', 'SE# #@@', 'NW# #@@', 'W# #@@'], shopId: 'GB-LON' },
      { name: 'Manchester', region: 'England', weight: 14, postcodes: ['M# #@@', 'M1# #@@'], shopId: 'GB-MAN' },
      { name: 'Birmingham', region: 'England', weight: 12, postcodes: ['B# #@@', 'B1# #@@'] },
      { name: 'Leeds', region: 'England', weight: 9, postcodes: ['LS# #@@'] },
      { name: 'Glasgow', region: 'Scotland', weight: 9, postcodes: ['G# #@@'] },
      { name: 'Edinburgh', region: 'Scotland', weight: 8, postcodes: ['EH# #@@'] },
      { name: 'Bristol', region: 'England', weight: 7, postcodes: ['BS# #@@'] },
      { name: 'Cardiff', region: 'Wales', weight: 7, postcodes: ['CF## #@@'] },
    ],
    femaleNames: ['Olivia', 'Amelia', 'Isla', 'Emily', 'Sophie', 'Grace', 'Charlotte', 'Jessica', 'Sarah', 'Emma', 'Hannah', 'Chloe', 'Priya', 'Aisha'],
    maleNames: ['Oliver', 'George', 'Harry', 'Jack', 'James', 'William', 'Thomas', 'Daniel', 'Matthew', 'Samuel', 'Joshua', 'Mohammed', 'Rhys', 'Callum'],
    lastNames: ['Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson', 'Roberts', 'Walker', 'Wright', 'Robinson', 'Thompson', "O'Connor", 'Patel', 'Khan', 'MacDonald'],
    streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Park Avenue', 'Green Lane', 'Mill Road', 'King Street', 'Queens Road'],
    numberFirst: true,
    flats: ['Flat 3', 'Flat 12', 'Apartment 4B', 'Ground Floor'],
    emailDomains: ['btinternet.example', 'outlook.example', 'sky.example', 'mailbox.example'],
  },
  {
    code: 'ES',
    weight: 10,
    currency: 'EUR',
    timezone: 'Europe/Madrid',
    standardOffsetHours: 1,
    languages: [['es', 85], ['ca', 10], ['en', 5]],
    dialCode: '34',
    mobilePrefixes: ['6', '7'],
    subscriberDigits: 8,
    trunkPrefix: '',
    cities: [
      { name: 'Madrid', region: 'Comunidad de Madrid', weight: 32, postcodes: ['280##'], shopId: 'ES-MAD' },
      { name: 'Barcelona', region: 'Cataluña', weight: 26, postcodes: ['080##'], shopId: 'ES-BCN' },
      { name: 'Valencia', region: 'Comunitat Valenciana', weight: 12, postcodes: ['460##'] },
      { name: 'Sevilla', region: 'Andalucía', weight: 10, postcodes: ['410##'] },
      { name: 'Bilbao', region: 'País Vasco', weight: 8, postcodes: ['480##'] },
      { name: 'Málaga', region: 'Andalucía', weight: 7, postcodes: ['290##'] },
      { name: 'Zaragoza', region: 'Aragón', weight: 5, postcodes: ['500##'] },
    ],
    femaleNames: ['Lucía', 'María', 'Paula', 'Laura', 'Marta', 'Carmen', 'Sofía', 'Elena', 'Ana', 'Isabel', 'Nuria', 'Alba'],
    maleNames: ['Hugo', 'Daniel', 'Pablo', 'Alejandro', 'Javier', 'David', 'Carlos', 'Manuel', 'Sergio', 'Álvaro', 'Jordi', 'Iñaki'],
    lastNames: ['García López', 'Martínez', 'Rodríguez', 'Fernández', 'González', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Puig'],
    streets: ['Calle Mayor', 'Calle de Alcalá', 'Avenida de la Constitución', 'Calle Real', 'Paseo de Gracia', 'Calle San Juan', 'Calle del Sol'],
    numberFirst: false,
    flats: ['3º B', '1º A', 'Bajo', '5º izq.'],
    emailDomains: ['telefonica.example', 'correo.example', 'mailbox.example'],
  },
  {
    code: 'IT',
    weight: 8,
    currency: 'EUR',
    timezone: 'Europe/Rome',
    standardOffsetHours: 1,
    languages: [['it', 97], ['en', 3]],
    dialCode: '39',
    mobilePrefixes: ['320', '328', '333', '338', '340', '347', '348', '349'],
    subscriberDigits: 7,
    trunkPrefix: '',
    cities: [
      { name: 'Milano', region: 'Lombardia', weight: 30, postcodes: ['201##'], shopId: 'IT-MIL' },
      { name: 'Roma', region: 'Lazio', weight: 26, postcodes: ['001##'] },
      { name: 'Torino', region: 'Piemonte', weight: 12, postcodes: ['101##'] },
      { name: 'Bologna', region: 'Emilia-Romagna', weight: 11, postcodes: ['401##'] },
      { name: 'Firenze', region: 'Toscana', weight: 11, postcodes: ['501##'] },
      { name: 'Napoli', region: 'Campania', weight: 10, postcodes: ['801##'] },
    ],
    femaleNames: ['Giulia', 'Sofia', 'Aurora', 'Martina', 'Chiara', 'Francesca', 'Alessia', 'Sara', 'Elena', 'Valentina'],
    maleNames: ['Leonardo', 'Francesco', 'Alessandro', 'Lorenzo', 'Matteo', 'Andrea', 'Marco', 'Luca', 'Giuseppe', 'Davide'],
    lastNames: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', "D'Angelo"],
    streets: ['Via Roma', 'Via Garibaldi', 'Corso Vittorio Emanuele', 'Via Dante', 'Via Mazzini', 'Piazza della Repubblica', 'Via Verdi'],
    numberFirst: false,
    flats: ['Scala B', 'Int. 5', 'Piano 3'],
    emailDomains: ['libero.example', 'tiscali.example', 'mailbox.example'],
  },
  {
    code: 'AT',
    weight: 4,
    currency: 'EUR',
    timezone: 'Europe/Vienna',
    standardOffsetHours: 1,
    languages: [['de', 96], ['en', 4]],
    dialCode: '43',
    mobilePrefixes: ['664', '660', '676', '650'],
    subscriberDigits: 7,
    trunkPrefix: '0',
    cities: [
      { name: 'Wien', region: 'Wien', weight: 45, postcodes: ['10#0', '11#0', '12#0'] },
      { name: 'Graz', region: 'Steiermark', weight: 15, postcodes: ['80##'] },
      { name: 'Linz', region: 'Oberösterreich', weight: 14, postcodes: ['40##'] },
      { name: 'Salzburg', region: 'Salzburg', weight: 14, postcodes: ['50##'] },
      { name: 'Innsbruck', region: 'Tirol', weight: 12, postcodes: ['60##'] },
    ],
    femaleNames: deFemale,
    maleNames: deMale,
    lastNames: ['Gruber', 'Huber', 'Bauer', 'Wagner', 'Müller', 'Pichler', 'Steiner', 'Moser', 'Mayer', 'Hofer', 'Leitner', 'Berger'],
    streets: deStreets,
    numberFirst: false,
    flats: ['Top 7', 'Stiege 2/Top 11', '3. Stock'],
    emailDomains: ['gmx.example', 'aon.example', 'mailbox.example'],
  },
  {
    code: 'BE',
    weight: 4,
    currency: 'EUR',
    timezone: 'Europe/Brussels',
    standardOffsetHours: 1,
    languages: [['nl', 55], ['fr', 42], ['de', 3]],
    dialCode: '32',
    mobilePrefixes: ['47', '48', '49'],
    subscriberDigits: 7,
    trunkPrefix: '0',
    cities: [
      { name: 'Bruxelles', region: 'Bruxelles-Capitale', weight: 35, postcodes: ['10#0', '11#0', '12#0'] },
      { name: 'Antwerpen', region: 'Antwerpen', weight: 28, postcodes: ['20##'] },
      { name: 'Gent', region: 'Oost-Vlaanderen', weight: 20, postcodes: ['90##'] },
      { name: 'Liège', region: 'Liège', weight: 17, postcodes: ['40##'] },
    ],
    femaleNames: [...nlFemale.slice(0, 6), ...frFemale.slice(0, 6)],
    maleNames: [...nlMale.slice(0, 6), ...frMale.slice(0, 6)],
    lastNames: ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Dubois', 'Lambert', 'Dupont', 'Wouters'],
    streets: ['Kerkstraat', 'Stationsstraat', 'rue de la Station', 'Grote Markt', 'avenue Louise', 'Molenstraat'],
    numberFirst: false,
    flats: ['bus 2', 'boîte 4', 'bus 11'],
    emailDomains: ['telenet.example', 'skynet.example', 'mailbox.example'],
  },
];

export interface ShopSpec {
  id: string;
  name: string;
  city: string;
  country: string;
  timezone: string;
}

/** The twelve shops; the online shop is added beside them. */
export const shops: readonly ShopSpec[] = [
  { id: 'DE-BER', name: 'Lumen Berlin Mitte', city: 'Berlin', country: 'DE', timezone: 'Europe/Berlin' },
  { id: 'DE-MUC', name: 'Lumen München Marienplatz', city: 'München', country: 'DE', timezone: 'Europe/Berlin' },
  { id: 'DE-HAM', name: 'Lumen Hamburg Ottensen', city: 'Hamburg', country: 'DE', timezone: 'Europe/Berlin' },
  { id: 'FR-PAR', name: 'Lumen Paris Le Marais', city: 'Paris', country: 'FR', timezone: 'Europe/Paris' },
  { id: 'FR-LYS', name: 'Lumen Lyon Presqu’île', city: 'Lyon', country: 'FR', timezone: 'Europe/Paris' },
  { id: 'NL-AMS', name: 'Lumen Amsterdam De Pijp', city: 'Amsterdam', country: 'NL', timezone: 'Europe/Amsterdam' },
  { id: 'NL-RTM', name: 'Lumen Rotterdam Centrum', city: 'Rotterdam', country: 'NL', timezone: 'Europe/Amsterdam' },
  { id: 'GB-LON', name: 'Lumen London Shoreditch', city: 'London', country: 'GB', timezone: 'Europe/London' },
  { id: 'GB-MAN', name: 'Lumen Manchester Northern Quarter', city: 'Manchester', country: 'GB', timezone: 'Europe/London' },
  { id: 'ES-MAD', name: 'Lumen Madrid Malasaña', city: 'Madrid', country: 'ES', timezone: 'Europe/Madrid' },
  { id: 'ES-BCN', name: 'Lumen Barcelona Gràcia', city: 'Barcelona', country: 'ES', timezone: 'Europe/Madrid' },
  { id: 'IT-MIL', name: 'Lumen Milano Brera', city: 'Milano', country: 'IT', timezone: 'Europe/Rome' },
];

export const onlineShop = { id: 'WEB', name: 'Lumen Online Shop', country: 'DE', timezone: 'Europe/Berlin' } as const;
