import { AppError, closest, type Clock, type SqlRunner } from '@strata/core';

/** What kind of value a report parameter takes. */
export const ParameterKind = {
  /** A UTC day, YYYY-MM-DD. */
  day: 'day',
  /** A saved segment's name or id. */
  segment: 'segment',
  /** Saved segments' names or ids, comma-separated. */
  segments: 'segments',
  /** One of `choices`. */
  choice: 'choice',
  /** A whole number from `min` to `max`. */
  count: 'count',
} as const;
export type ParameterKind = (typeof ParameterKind)[keyof typeof ParameterKind];

export interface ParameterSpec {
  name: string;
  kind: ParameterKind;
  description: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
}

/** Parameters as they come (query string, CLI options): text, absent when not given. */
export type RawParameters = Readonly<Record<string, string | undefined>>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

/** A day as YYYY-MM-DD, checked (AppError 'invalid' naming the parameter). */
export function checkedDay(value: string, field: string): string {
  const v = value.trim();
  if (
    !DAY.test(v) ||
    Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
    new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v
  )
    throw new AppError('invalid', `${field} must be a day as YYYY-MM-DD, not "${value}"`, [
      { field, message: 'not a day' },
    ]);
  return v;
}

/** The start of a UTC day, ISO 8601. */
export const dayStart = (day: string) => `${day}T00:00:00.000Z`;
/** The day `n` days after `day`. */
export const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * MS_PER_DAY).toISOString().slice(0, 10);
/** Today (UTC) by the clock. */
export const today = (clock: Clock) => clock.now().toISOString().slice(0, 10);

/**
 * The parameters checked against a report's specs: every value of its kind, no parameter the
 * report does not take (named, with the closest one it does), blanks as absent.
 */
export function checkedParameters(report: string, specs: readonly ParameterSpec[], raw: RawParameters): RawParameters {
  const out: Record<string, string | undefined> = {};
  const names = specs.map((s) => s.name);
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value.trim() === '') continue;
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      const near = closest(name, names);
      throw new AppError(
        'invalid',
        `the ${report} report has no parameter "${name}"${near ? ` (did you mean "${near}"?)` : ''}; it takes ${names.length ? names.join(', ') : 'none'}`,
        [{ field: name, message: 'unknown parameter' }],
      );
    }
    out[name] = checkedValue(spec, value.trim());
  }
  return out;
}

function checkedValue(spec: ParameterSpec, value: string): string {
  switch (spec.kind) {
    case 'day':
      return checkedDay(value, spec.name);
    case 'choice':
      if (!spec.choices?.includes(value))
        throw new AppError('invalid', `${spec.name} must be one of ${spec.choices?.join(', ')}, not "${value}"`, [
          { field: spec.name, message: 'not a choice' },
        ]);
      return value;
    case 'count': {
      const n = Number(value);
      const min = spec.min ?? 1;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (!/^\d+$/.test(value) || n < min || n > max)
        throw new AppError('invalid', `${spec.name} must be a whole number from ${min} to ${max}, not "${value}"`, [
          { field: spec.name, message: 'out of range' },
        ]);
      return String(n);
    }
    case 'segment':
    case 'segments':
      return value;
  }
}

/** `from` not after `to` (both days). */
export function checkedRange(from: string, to: string): void {
  if (from > to)
    throw new AppError('invalid', `from (${from}) is after to (${to})`, [{ field: 'from', message: 'after to' }]);
}

export interface SegmentRef {
  id: string;
  name: string;
}

/** A saved segment by its id or name; AppError 'not_found' naming the closest saved one. */
export async function findSavedSegment(db: SqlRunner, ref: string, field = 'segment'): Promise<SegmentRef> {
  const [row] = await db.query<SegmentRef>(
    'SELECT id, name FROM segments WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1',
    [ref],
  );
  if (row) return row;
  const saved = await db.query<SegmentRef>('SELECT id, name FROM segments');
  const near = closest(
    ref,
    saved.map((s) => s.name),
  );
  throw new AppError(
    'not_found',
    `${field}: no saved segment "${ref}"${near ? ` (did you mean "${near}"?)` : ''}${saved.length ? '' : '; none is saved yet (`strata segment save`)'}`,
    [{ field, message: 'no such segment' }],
  );
}
