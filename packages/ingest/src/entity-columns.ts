/*
 * The columns a file of each entity may have, read from the core schemas themselves (a field is
 * required when its schema refuses "not given"), so a header is checked against the same rules
 * the rows are.
 */
import { z } from 'zod';
import { closest, entitySchemas, type Entity, type ImportDefaults } from '@strata/core';

/** Fields of which one must be given, where the schema checks that across fields. */
const oneOf: Partial<Record<Entity, readonly string[]>> = {
  orders: ['customer_id', 'customer_email', 'customer_phone'],
  events: ['customer_id', 'anonymous_id'],
};

/** Nested objects a CSV header spells out with dots; other object fields (attributes, properties) hold JSON text. */
const nestedInCsv = new Set(['shipping_address', 'billing_address', 'consent']);

function objectOf(schema: z.ZodType): z.ZodObject | undefined {
  let s: unknown = schema;
  for (let i = 0; i < 8 && s; i++) {
    if (s instanceof z.ZodObject) return s;
    if (s instanceof z.ZodPipe) s = s.in instanceof z.ZodTransform ? s.out : s.in;
    else if (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap();
    else return undefined;
  }
  return undefined;
}

export interface EntityColumns {
  /** Every column a CSV file of the entity may have (dotted for nested fields). */
  known: readonly string[];
  /** Columns the file must have. */
  required: readonly string[];
  /** Groups of columns of which the file must have at least one. */
  oneOf: readonly (readonly string[])[];
}

const cache = new Map<Entity, EntityColumns>();

export function entityColumns(entity: Entity): EntityColumns {
  const hit = cache.get(entity);
  if (hit) return hit;
  const known: string[] = [];
  const required: string[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [name, field] of Object.entries(shape)) {
      const inner = nestedInCsv.has(name) || prefix ? objectOf(field) : undefined;
      if (inner) walk(inner.shape, `${prefix}${name}.`);
      else {
        known.push(`${prefix}${name}`);
        // "not given" is undefined; nested fields are only required once their object is given
        if (!prefix && !field.safeParse(undefined).success) required.push(name);
      }
    }
  };
  walk(objectOf(entitySchemas[entity])!.shape, '');
  const columns = { known, required, oneOf: oneOf[entity] ? [oneOf[entity]] : [] };
  cache.set(entity, columns);
  return columns;
}

export interface HeaderCheck {
  /** Columns of the file the entity has no field for (ignored), each with a likely meant name. */
  unknown: { column: string; didYouMean?: string }[];
}

/**
 * Checks a CSV header before any row is read: a required column missing, or a header that has
 * none of the entity's columns, is one error for the whole file (AppError 'invalid' from the
 * caller); columns the entity does not have are listed once.
 */
export function checkHeader(
  entity: Entity,
  header: readonly string[],
  defaults: ImportDefaults = {},
): { error?: string; unknown: HeaderCheck['unknown'] } {
  const cols = entityColumns(entity);
  const names = header.map((h) => h.trim());
  const present = new Set(names);
  const unknown = names
    .filter((h) => h !== '' && !cols.known.includes(h))
    .map((column) => {
      const guess = closest(column, cols.known);
      return guess ? { column, didYouMean: guess } : { column };
    });
  if (!names.some((h) => cols.known.includes(h))) {
    return {
      error: `the header matches no ${entity} column (expected ${[...cols.required, ...cols.oneOf.flat()].map((c) => `"${c}"`).join(', ')}; found ${names
        .slice(0, 6)
        .map((c) => `"${c}"`)
        .join(', ')}${names.length > 6 ? ', …' : ''})`,
      unknown,
    };
  }
  const needed = cols.required.filter((c) => !(c === 'currency' && entity === 'orders' && defaults.currency));
  const missing = needed.find((c) => !present.has(c));
  if (missing) return { error: missingColumnMessage(missing, `required for ${entity}`, names), unknown };
  for (const group of cols.oneOf) {
    if (!group.some((c) => present.has(c))) {
      const hint = `${entity} need one of ${group.map((c) => `"${c}"`).join(', ')}`;
      const misspelt = unknown.find((u) => u.didYouMean && group.includes(u.didYouMean));
      return { error: missingColumnMessage(misspelt?.didYouMean ?? group[0]!, hint, names), unknown };
    }
  }
  return { unknown };
}

/** One sentence naming a missing column and the file's column closest to it (the likely misspelling). */
export function missingColumnMessage(column: string, why: string, header: readonly string[]): string {
  const typo = closest(column, header);
  const extra = column === 'currency' ? '; or set the store currency once with `strata config set currency GBP`' : '';
  return `the header has no column "${column}" (${why})${typo ? `; the closest is "${typo}"` : ''}${extra}`;
}
