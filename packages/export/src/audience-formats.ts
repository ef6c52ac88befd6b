/*
 * Custom audiences for ad platforms: Meta's customer list and Google Ads Customer Match, each
 * value normalised the way the platform documents and SHA-256 hashed (docs/export.md has the
 * rules and their sources), and only for customers whose consent allows it.
 */
import { hash } from 'node:crypto';

export const AudienceFormat = { meta: 'meta', google: 'google' } as const;
export type AudienceFormat = (typeof AudienceFormat)[keyof typeof AudienceFormat];

/** Hex SHA-256 of the UTF-8 bytes, as both platforms take it. */
export const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** The export columns an audience is made from (see export-columns.ts). */
export const audienceInputColumns = [
  'email',
  'phone',
  'first_name',
  'last_name',
  'city',
  'region',
  'postcode',
  'country',
  'birthday',
  'gender',
  'email_consent',
  'sms_consent',
] as const;
export type AudienceInput = { [K in (typeof audienceInputColumns)[number]]: unknown };

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const hashed = (normalised: string): string => (normalised === '' ? '' : sha256(normalised));

/**
 * hashed() for values shared by many customers (first names, places, countries, birth years),
 * remembered: most of an audience's hashing is of these. Bounded, so memory stays flat.
 */
const remembered = new Map<string, string>();
function hashedCommon(normalised: string): string {
  let h = remembered.get(normalised);
  if (h === undefined) {
    if (remembered.size >= 100_000) remembered.clear();
    h = hashed(normalised);
    remembered.set(normalised, h);
  }
  return h;
}
/** Lower case, in Unicode's composed form (é as one character, as UTF-8 text is usually written). */
const lower = (v: unknown): string => text(v).normalize('NFC').trim().toLowerCase();

/**
 * The consent rule: an ad audience is marketing, so a customer is in it only through a contact
 * point they agreed to be marketed on. Their email goes in only with email consent granted, their
 * phone only with SMS consent granted; names and places only help the platform match those, so a
 * customer with neither is left out entirely. Returns the contact points let through (empty
 * strings for the others).
 */
export function consentedContacts(row: AudienceInput): { email: string; phone: string } {
  return {
    email: row.email_consent === true ? text(row.email) : '',
    phone: row.sms_consent === true ? text(row.phone) : '',
  };
}

/** Why a member is not in an audience: no consented contact point, or no contact point at all. */
export type LeftOut = 'no_consent' | 'no_contact';

/** undefined when the customer goes in (see consentedContacts). */
export function leftOutBecause(row: AudienceInput): LeftOut | undefined {
  const { email, phone } = consentedContacts(row);
  if (email || phone) return undefined;
  return text(row.email) || text(row.phone) ? 'no_consent' : 'no_contact';
}

/*
 * Meta (Marketing API, "Hashing and Normalizing Data"; the customer information parameters of the
 * Conversions API give the same rules with examples).
 */
export const metaNormalise = {
  /** Trimmed, lower case. */
  email: (v: unknown) => lower(v),
  /** Digits only, with the country code and no leading zeros: +49 151 2345678 → 491512345678. */
  phone: (v: unknown) => text(v).replace(/\D/g, '').replace(/^0+/, ''),
  /** Lower case without punctuation; letters with accents kept (Valéry → valéry). */
  name: (v: unknown) => lower(v).replace(/\p{P}/gu, '').replace(/\s+/gu, ' ').trim(),
  /** City and state: lower case letters only, no punctuation, digits or spaces (Menlo Park → menlopark). */
  place: (v: unknown) => lower(v).replace(/[^\p{L}\p{M}]/gu, ''),
  /** Lower case without spaces; a US ZIP+4 cut to its five digits (94025-1234 → 94025). */
  zip: (v: unknown) => lower(v).replace(/\s/gu, '').split('-')[0] ?? '',
  /** ISO 3166-1 alpha-2, lower case. */
  country: (v: unknown) => lower(v).replace(/[^a-z]/g, ''),
  /** Year of birth, YYYY. */
  birthYear: (v: unknown) => (/^\d{4}-\d{2}-\d{2}/.test(text(v)) ? text(v).slice(0, 4) : ''),
  /** m or f; anything else is left empty. */
  gender: (v: unknown) => {
    const g = lower(v);
    if (['m', 'male', 'man'].includes(g)) return 'm';
    if (['f', 'female', 'woman', 'w'].includes(g)) return 'f';
    return '';
  },
};

/*
 * Google Ads Customer Match ("Formatting guidelines for uploading hashed data"): email, phone and
 * names hashed; country and zip sent as they are, never hashed.
 */
export const googleNormalise = {
  /** Trimmed, lower case. */
  email: (v: unknown) => lower(v),
  /** E.164 with its +: +49 151 2345678 → +491512345678. */
  phone: (v: unknown) => {
    const digits = text(v).replace(/\D/g, '').replace(/^0+/, '');
    return digits === '' ? '' : `+${digits}`;
  },
  /** Lower case with every space taken out. */
  name: (v: unknown) => lower(v).replace(/\s/gu, ''),
  /** Two-letter ISO code, upper case (not hashed). */
  country: (v: unknown) => text(v).trim().toUpperCase(),
  /** As written, trimmed (not hashed). */
  zip: (v: unknown) => text(v).trim(),
};

export interface AudienceLayout {
  readonly header: readonly string[];
  /** One customer's cells, in header order. */
  cells(row: AudienceInput): string[];
}

export const audienceLayouts: Record<AudienceFormat, AudienceLayout> = {
  meta: {
    header: ['email', 'phone', 'fn', 'ln', 'ct', 'st', 'zip', 'country', 'doby', 'gen'],
    cells(row) {
      const { email, phone } = consentedContacts(row);
      const m = metaNormalise;
      return [
        hashed(m.email(email)),
        hashed(m.phone(phone)),
        hashedCommon(m.name(row.first_name)),
        hashed(m.name(row.last_name)),
        hashedCommon(m.place(row.city)),
        hashedCommon(m.place(row.region)),
        hashedCommon(m.zip(row.postcode)),
        hashedCommon(m.country(row.country)),
        hashedCommon(m.birthYear(row.birthday)),
        hashedCommon(m.gender(row.gender)),
      ];
    },
  },
  google: {
    header: ['Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip'],
    cells(row) {
      const { email, phone } = consentedContacts(row);
      const g = googleNormalise;
      return [
        hashed(g.email(email)),
        hashed(g.phone(phone)),
        hashedCommon(g.name(row.first_name)),
        hashed(g.name(row.last_name)),
        g.country(row.country),
        g.zip(row.postcode),
      ];
    },
  },
};
