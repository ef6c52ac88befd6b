import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/** E.164 (+4915112345678) or undefined when the number cannot be a real one. */
export function toE164(raw: string, defaultCountry?: string): string | undefined {
  const country = defaultCountry && /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(raw.trim(), country);
  if (!parsed || !parsed.isPossible()) return undefined;
  return parsed.number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
/** A date and time, optionally with an offset (`Z`, `+02:00`, `+0200`, or ` +0000` after a space as Shopify writes it). */
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?: ?(Z|[+-]\d{2}:?\d{2}))?$/i;
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Accepts ISO 8601 with an offset, a local date-time (read as UTC), a date (midnight UTC) or
 * YYYYMMDD, and returns a canonical UTC ISO string (`2024-05-01T10:00:00.000Z`, fractions rounded
 * to the millisecond); undefined when it is not a real time (2024-02-30, 10:60, +24:00).
 * store-duckdb's native reader converts the same forms in SQL (native-sql.ts `isoTime`).
 */
export function toUtcIso(raw: string): string | undefined {
  // Fast path for the canonical form (what exports and the demo store write): valid iff it round-trips.
  if (CANONICAL_UTC.test(raw)) {
    const ms = Date.parse(raw);
    return Number.isFinite(ms) && new Date(ms).toISOString() === raw ? raw : undefined;
  }
  const s = raw.trim();
  const m = DATETIME.exec(s) ?? ISO_DATE.exec(s) ?? COMPACT_DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', sec = '0', frac = '', offset = ''] = m.slice(1).map((p) => p ?? '');
  const parts = [Number(h), Number(mi), Number(sec)] as const;
  if (parts[0] > 23 || parts[1] > 59 || parts[2] > 59) return undefined;
  let offsetMinutes = 0;
  if (offset !== '' && offset.toUpperCase() !== 'Z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(-2));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fracMs = frac ? Math.round(Number(`0${frac}`) * 1000) : 0;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), ...parts, fracMs);
  // Date.UTC rolls 2024-02-31 over into March: reject instead of guessing.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return undefined;
  const ms = local - offsetMinutes * 60_000;
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString();
}

/** A calendar date (YYYY-MM-DD) or undefined. */
export function toIsoDate(raw: string): string | undefined {
  const iso = toUtcIso(raw);
  return iso?.slice(0, 10);
}

// Creating an Intl.DateTimeFormat costs ~40 µs; a store has few zones, so remember the answers.
const zoneValidity = new Map<string, boolean>();

export function isIanaTimeZone(tz: string): boolean {
  let valid = zoneValidity.get(tz);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      valid = true;
    } catch {
      valid = false;
    }
    if (zoneValidity.size < 10_000) zoneValidity.set(tz, valid);
  }
  return valid;
}
