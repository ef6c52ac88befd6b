/*
 * SQL for the native bulk path: DuckDB's parallel readers take a file, and these expressions decide,
 * row by row, whether a record is already in canonical form — the form the zod schemas in
 * @strata/core would return unchanged (ids without surrounding white space, times as
 * 2024-05-01T10:00:00.000Z, lower-case e-mails, ...). Those rows are written without leaving the
 * engine. Every other row (a local time, a padded id, a bad value) goes back to the caller and
 * through the zod schemas as usual, so the rules have one source of truth and these checks only
 * need to be conservative: a row wrongly sent to zod costs time, never correctness.
 */

import {
  countryCodes,
  eventTypeSpecs,
  storeNumberRanges,
  requiredEventProperties,
  sqlLiteral,
  type EventPropertySpec,
  type EventType,
  type PropertyType,
} from '@strata/core';

/** White space as JavaScript's String.prototype.trim sees it (RE2 syntax). */
const WS = String.raw`\s\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}\x{000B}`;

/**
 * `value` is one of these constants. Written as list_contains, not IN (...): DuckDB plans a long IN
 * list as a join, and a join in the select list of a CREATE TABLE AS loses the file's row order.
 */
export const oneOf = (value: string, constants: readonly string[]) =>
  `list_contains([${constants.map(sqlLiteral).join(', ')}], ${value})`;

/**
 * A non-empty text that trim() leaves unchanged and that fits in `max` UTF-16 units (bytes ≥ units).
 * Printable ASCII at both ends is decided without the (slower) Unicode regex.
 */
export const canonicalText = (v: string, max: number) =>
  `(strlen(${v}) <= ${max} AND CASE WHEN ascii(${v}) BETWEEN 33 AND 126 AND ascii(${v}[-1:]) BETWEEN 33 AND 126 THEN true ELSE regexp_full_match(${v}, '(?s)[^${WS}](.*[^${WS}])?') END)`;

/**
 * 2024-05-01T10:00:00.000Z that is a real instant (the form toUtcIso returns): every field in
 * range by the pattern, and the day existing in its month by the cast.
 */
export const canonicalTime = (v: string) =>
  `(regexp_full_match(${v}, '[12]\\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d\\.\\d{3}Z') AND try_cast(${v} AS TIMESTAMP) IS NOT NULL)`;

/** The ISO 8601 forms `isoTime` converts: a date, a time to the minute, second or millisecond, an offset (`Z`, `+02:00`, `+0200`, ` +0000`). */
const ISO_TIME = `([12]\\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01]))(?:[T ]((?:[01]\\d|2[0-3]):[0-5]\\d)(?::([0-5]\\d)(?:\\.(\\d{1,3}))?)?(?: ?(?:Z|([+-])([01]\\d|2[0-3]):?([0-5]\\d)))?)?`;

/**
 * The canonical UTC text (2024-05-01T10:00:00.000Z) of an ISO 8601 time in the forms toUtcIso
 * (@strata/core) reads the same way — a date is midnight UTC, a time without an offset is UTC —
 * or NULL for anything else (other forms go to zod, which decides them). The canonical form is
 * passed through as it is. A plain expression (the regex's groups bound once by a lambda), not a
 * subquery, so the file's row order is kept.
 */
export const isoTime = (v: string) =>
  `CASE WHEN ${canonicalTime(v)} THEN ${v} WHEN regexp_full_match(${v}, '${ISO_TIME}') THEN list_transform([regexp_extract(${v}, '^${ISO_TIME}$', ['d', 'hm', 's', 'f', 'sign', 'oh', 'om'])], lambda iso_parts:
      list_transform([try_cast(iso_parts.d || ' ' || coalesce(nullif(iso_parts.hm, ''), '00:00') || ':' || coalesce(nullif(iso_parts.s, ''), '00') || '.' || rpad(iso_parts.f, 3, '0') AS TIMESTAMP)
        - to_minutes(CASE iso_parts.sign WHEN '-' THEN -1 WHEN '+' THEN 1 ELSE 0 END * (coalesce(nullif(iso_parts.oh, ''), '0')::INTEGER * 60 + coalesce(nullif(iso_parts.om, ''), '0')::INTEGER))], lambda iso_ts:
        CASE WHEN year(iso_ts) BETWEEN 1000 AND 2999 THEN strftime(iso_ts, '%Y-%m-%dT%H:%M:%S.%gZ') END)[1])[1] END`;

/* ---- JSON values as read_json returns them in JSON-typed columns ---- */

/** Missing or JSON null. */
export const jsonAbsent = (c: string) => `(${c} IS NULL OR ${c} = 'null')`;
/** A JSON string without escape sequences: its text between the quotes is its value. */
export const jsonPlainString = (c: string) => `(starts_with(${c}, '"') AND NOT contains(${c}, '\\'))`;
export const jsonUnquote = (c: string) => `${c}[2:-2]`;

const str = (props: string, key: string) =>
  `coalesce(json_type(${props}, '$.${key}') = 'VARCHAR' AND json_extract_string(${props}, '$.${key}') <> '', false)`;
const num = (props: string, key: string, min?: number, max?: number) =>
  `coalesce(${oneOf(`json_type(${props}, '$.${key}')`, ['BIGINT', 'UBIGINT', 'DOUBLE'])}${min === undefined ? '' : ` AND json_extract(${props}, '$.${key}')::DOUBLE >= ${min}`}${max === undefined ? '' : ` AND json_extract(${props}, '$.${key}')::DOUBLE <= ${max}`}, false)`;

/** A required property's rule (see `EventPropertySpec.required` in @strata/core) as SQL. */
const requiredPropertyCheck: Record<PropertyType, (props: string, key: string, p: EventPropertySpec) => string> = {
  string: (props, key) => str(props, key),
  number: (props, key, { min, max }) => num(props, key, min, max),
  // the value as JSON text: a plain string is its characters in quotes
  enum: (props, key, { values = [] }) =>
    `coalesce(${oneOf(
      `json_extract(${props}, '$.${key}')::VARCHAR`,
      values.map((v) => JSON.stringify(v)),
    )}, false)`,
};

/**
 * The property rules of the built-in event types (core's eventPropertySchemas, from the same
 * eventTypeSpecs), as SQL over the properties object: one check per type that requires any.
 */
export const eventPropertyChecks = (props: string): Record<string, string> =>
  Object.fromEntries(
    (Object.keys(eventTypeSpecs) as EventType[]).flatMap((type) => {
      const checks = requiredEventProperties(type).map(([key, p]) => requiredPropertyCheck[p.type](props, key, p));
      if (!checks.length) return [];
      return [[type, checks.length === 1 ? checks[0]! : `(${checks.join(' AND ')})`]];
    }),
  );

const jsonId = (c: string) => `(${jsonPlainString(c)} AND ${canonicalText(jsonUnquote(c), 200)})`;
const optionalJsonId = (c: string) => `(${jsonAbsent(c)} OR ${jsonId(c)})`;
const jsonOrNull = (c: string) => `CASE WHEN ${jsonAbsent(c)} THEN NULL ELSE ${jsonUnquote(c)} END`;

/**
 * Reads a JSON Lines file of events, every field as the JSON text it holds, and `ok` (canonical
 * form). The select list is projections only — no joins or aggregates — so the table's rowids
 * follow the file's order.
 */
export function eventsReadSql(path: string): string {
  return `SELECT *, ${eventsOkSql()} AS ok FROM read_json(${sqlLiteral(path)}, format = 'newline_delimited', records = true, ignore_errors = true,
      columns = {message_id: 'JSON', customer_id: 'JSON', anonymous_id: 'JSON', type: 'JSON', occurred_at: 'JSON', properties: 'JSON'})`;
}

/** True when an event row of bulk_raw is in canonical form. */
export function eventsOkSql(): string {
  const checks = eventPropertyChecks("coalesce(nullif(properties, 'null'), '{}')");
  const type = jsonUnquote('type');
  return `coalesce(
        ${jsonId('message_id')}
        AND ${optionalJsonId('customer_id')} AND ${optionalJsonId('anonymous_id')}
        AND NOT (${jsonAbsent('customer_id')} AND ${jsonAbsent('anonymous_id')})
        AND ${jsonPlainString('type')} AND regexp_full_match(${type}, '[A-Za-z][A-Za-z0-9_.:-]{0,99}')
        AND ${jsonPlainString('occurred_at')} AND ${isoTime(jsonUnquote('occurred_at'))} IS NOT NULL
        AND (${jsonAbsent('properties')} OR starts_with(properties, '{'))
        AND CASE ${type} ${Object.entries(checks)
          .map(([t, sql]) => `WHEN '${t}' THEN ${sql}`)
          .join(' ')} ELSE true END,
        false)`;
}

/** The canonical rows of bulk_raw (events) in a range, shaped like stage_events. */
export function eventsStageSql(from: number, to: number): string {
  return `
    SELECT ${jsonUnquote('message_id')} AS message_id, ${jsonOrNull('customer_id')} AS source_customer_id, ${jsonOrNull('anonymous_id')} AS anonymous_id,
      ${jsonUnquote('type')} AS type, ${isoTime(jsonUnquote('occurred_at'))} AS occurred_at, coalesce(nullif(properties, 'null'::JSON), '{}'::JSON) AS properties, rowid AS ord
    FROM bulk_raw WHERE rowid >= ${from} AND rowid < ${to}`;
}

/** The events of a range that carry both ids (they link the anonymous id to the customer), shaped like stage_links. */
export function eventsLinksSql(from: number, to: number): string {
  return `
    SELECT rowid AS ord, ${jsonUnquote('customer_id')} AS customer_id, ${jsonUnquote('anonymous_id')} AS anonymous_id
    FROM bulk_raw WHERE rowid >= ${from} AND rowid < ${to} AND NOT ${jsonAbsent('customer_id')} AND NOT ${jsonAbsent('anonymous_id')}`;
}

/** The file's physical lines, in order, for line numbers and the text of JSON Lines records. */
export function linesSql(path: string): string {
  return `SELECT j FROM read_csv(${sqlLiteral(path)}, columns = {'j': 'VARCHAR'}, header = false, delim = chr(1), quote = '', escape = '', auto_detect = false)`;
}

/* ---- CSV files: every cell as text, exactly as the streaming reader sees it ---- */

/** zod's default e-mail pattern (zod/v4/core/regexes.ts), which RE2 runs as it is. */
const EMAIL = String.raw`(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}`;

export const canonicalEmail = (v: string) =>
  `(lower(${v}) = ${v} AND regexp_full_match(${v}, '${EMAIL.replaceAll("'", "''")}'))`;
/** An ISO 3166-1 alpha-2 code (after upper()); names and three-letter codes go to zod, which turns them into codes. */
export const canonicalCountry = (v: string) => oneOf(v, countryCodes);
export const canonicalCurrency = (v: string) => `regexp_full_match(${v}, '[A-Z]{3}')`;
/**
 * Digits before the point of an amount decided here: one fewer than the money column holds
 * (storeNumberRanges), so that no rounding of 6 decimals can reach its limit; larger amounts go to zod.
 */
const moneyDigits = Math.log10(storeNumberRanges.money.below) - 1;
/** A decimal number as Number() reads it, with no sign, exponent or padding. */
export const canonicalMoney = (v: string, negative: boolean) =>
  `regexp_full_match(${v}, '${negative ? '-?' : ''}(0|[1-9][0-9]{0,${moneyDigits - 1}})(\\.[0-9]{1,6})?')`;
/** Up to 9 digits: always within the INTEGER columns (storeNumberRanges.integer). */
export const canonicalPositiveInt = (v: string) => `regexp_full_match(${v}, '[1-9][0-9]{0,8}')`;
export const canonicalAge = (v: string) => `regexp_full_match(${v}, '0|[1-9][0-9]?|1[0-2][0-9]|130')`;
/** YYYY-MM-DD of a day that exists (the form toIsoDate returns). */
export const canonicalDate = (v: string) =>
  `(regexp_full_match(${v}, '[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])') AND try_cast(${v} AS DATE) IS NOT NULL)`;
const BOOL_TRUE = ['true', '1', 'yes', 'y'];
export const canonicalBool = (v: string) => oneOf(`lower(${v})`, ['true', '1', 'yes', 'y', 'false', '0', 'no', 'n']);
export const boolValue = (v: string) => `CASE WHEN ${v} IS NULL THEN NULL ELSE ${oneOf(`lower(${v})`, BOOL_TRUE)} END`;
/** Text that JSON.stringify and DuckDB's to_json write alike (no control characters). */
export const jsonSafeText = (v: string, max: number) =>
  `(${canonicalText(v, max)} AND NOT regexp_matches(${v}, '${String.raw`[\x{00}-\x{1f}\x{7f}]`}'))`;
/**
 * The JSON object JSON.stringify writes for a zod object with these optional fields: keys in
 * schema order, absent ones left out; NULL when none is given.
 */
export const jsonObjectOf = (fields: readonly (readonly [key: string, expr: string])[]) =>
  `CASE WHEN ${fields.map(([, e]) => `${e} IS NULL`).join(' AND ')} THEN NULL ELSE '{' || concat_ws(',', ${fields
    .map(([k, e]) => `CASE WHEN ${e} IS NOT NULL THEN '"${k}":' || to_json(${e})::VARCHAR END`)
    .join(', ')}) || '}' END`;
/** A `;`/`|`-separated list whose items are all canonical texts (no empty items). */
export const canonicalList = (v: string) =>
  `list_bool_and(list_transform(string_split_regex(${v}, '[;|]'), x -> ${canonicalText('x', 200)}))`;
export const listJson = (v: string) =>
  `CASE WHEN ${v} IS NULL THEN '[]' ELSE to_json(string_split_regex(${v}, '[;|]'))::VARCHAR END`;

/** Reads a CSV file with every cell as text (empty cells as NULL), in file order. */
export function csvRawSql(path: string, select = '*'): string {
  return `SELECT ${select} FROM read_csv(${sqlLiteral(path)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false, parallel = true)`;
}

export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
