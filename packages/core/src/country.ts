/*
 * Countries as people write them in shop exports and spreadsheets: ISO 3166-1 codes (DE, DEU), and
 * names and common aliases in English and in the languages of the main shop markets ("United
 * Kingdom", "UK", "USA", "Deutschland", "EIRE"). The data is i18n-iso-countries' (a maintained
 * package that ships it), read as JSON modules: no I/O, and safe in the browser.
 */
import { closest } from './did-you-mean.js';
import codes from 'i18n-iso-countries/codes.json' with { type: 'json' };
import cs from 'i18n-iso-countries/langs/cs.json' with { type: 'json' };
import da from 'i18n-iso-countries/langs/da.json' with { type: 'json' };
import de from 'i18n-iso-countries/langs/de.json' with { type: 'json' };
import el from 'i18n-iso-countries/langs/el.json' with { type: 'json' };
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import es from 'i18n-iso-countries/langs/es.json' with { type: 'json' };
import fi from 'i18n-iso-countries/langs/fi.json' with { type: 'json' };
import fr from 'i18n-iso-countries/langs/fr.json' with { type: 'json' };
import ga from 'i18n-iso-countries/langs/ga.json' with { type: 'json' };
import hu from 'i18n-iso-countries/langs/hu.json' with { type: 'json' };
import it from 'i18n-iso-countries/langs/it.json' with { type: 'json' };
import ja from 'i18n-iso-countries/langs/ja.json' with { type: 'json' };
import ko from 'i18n-iso-countries/langs/ko.json' with { type: 'json' };
import nb from 'i18n-iso-countries/langs/nb.json' with { type: 'json' };
import nl from 'i18n-iso-countries/langs/nl.json' with { type: 'json' };
import pl from 'i18n-iso-countries/langs/pl.json' with { type: 'json' };
import pt from 'i18n-iso-countries/langs/pt.json' with { type: 'json' };
import ro from 'i18n-iso-countries/langs/ro.json' with { type: 'json' };
import ru from 'i18n-iso-countries/langs/ru.json' with { type: 'json' };
import sv from 'i18n-iso-countries/langs/sv.json' with { type: 'json' };
import tr from 'i18n-iso-countries/langs/tr.json' with { type: 'json' };
import zh from 'i18n-iso-countries/langs/zh.json' with { type: 'json' };

interface Locale {
  countries: Record<string, string | string[]>;
}

/** English first: its aliases (UK, USA) win over a clash with another language's name. */
const locales: readonly Locale[] = [
  en,
  de,
  fr,
  es,
  it,
  nl,
  pt,
  ga,
  pl,
  sv,
  da,
  nb,
  fi,
  cs,
  hu,
  ro,
  el,
  tr,
  ru,
  ja,
  zh,
  ko,
];

/** Every ISO 3166-1 alpha-2 code, upper case. */
export const countryCodes: readonly string[] = codes.map((c) => c[0]!);
const alpha2 = new Set(countryCodes);
const alpha3 = new Map(codes.map((c) => [c[1]!, c[0]!]));

/** Lower case, accents dropped, punctuation and runs of spaces as one space: "Côte d’Ivoire" ≈ "cote d ivoire". */
const key = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

let byName: Map<string, string> | undefined;

/** Built on first use (a few thousand names): a name two languages give to different countries is left out. */
function names(): Map<string, string> {
  if (byName) return byName;
  const map = new Map<string, string>();
  const clashes = new Set<string>();
  for (const [i, locale] of locales.entries()) {
    for (const [code, value] of Object.entries(locale.countries)) {
      for (const name of Array.isArray(value) ? value : [value]) {
        const k = key(name);
        const known = map.get(k);
        if (known === undefined) {
          if (!clashes.has(k)) map.set(k, code);
        } else if (known !== code && i > 0 && !isEnglish(k, known)) {
          map.delete(k);
          clashes.add(k);
        }
      }
    }
  }
  byName = map;
  return map;
}

const englishNames = new Set(
  Object.entries(en.countries).flatMap(([code, v]) => (Array.isArray(v) ? v : [v]).map((n) => `${code}:${key(n)}`)),
);
const isEnglish = (k: string, code: string) => englishNames.has(`${code}:${k}`);

/**
 * The ISO 3166-1 alpha-2 code of a country given by its code (`de`, `DEU`) or name (`United
 * Kingdom`, `USA`, `Deutschland`, `EIRE`); undefined when it names no country.
 */
export function toCountryCode(raw: string): string | undefined {
  const s = raw.trim();
  const upper = s.toUpperCase();
  if (upper.length === 2 && alpha2.has(upper)) return upper;
  if (upper.length === 3 && alpha3.has(upper)) return alpha3.get(upper);
  return names().get(key(s));
}

/** The English country name closest to a value that names no country ("Germny" → "Germany"), if one is close. */
export function closestCountryName(raw: string): string | undefined {
  return closest(raw.trim(), Object.values(en.countries).flat());
}
