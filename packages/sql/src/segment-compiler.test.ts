import { describe, expect, it } from 'vitest';
import { defaultCatalog, parseSegment, type SegmentIR } from '@strata/segment-lang';
import { compileSegment, SegmentCompileError } from './segment-compiler.js';

const NOW = '2026-11-01T00:00:00.000Z';
const ir = (q: string): SegmentIR => {
  const r = parseSegment(q);
  if (!r.ir) throw new Error(JSON.stringify(r.diagnostics));
  return r.ir;
};
const BASE = `SELECT count(*) AS "count" FROM "customer_profile" AS "p" WHERE `;
const WITH_CUSTOMERS = `SELECT count(*) AS "count" FROM "customer_profile" AS "p" JOIN "customers" AS "c" ON ("c"."id" = "p"."customer_id") WHERE (("c"."merged_into" IS NULL) AND `;

describe('golden SQL per dialect', () => {
  it('profile comparisons and a relative time window', () => {
    const q = ir('order_count >= 2 and last_order_at within last 30 days');
    const duck = compileSegment(q, { dialect: 'duckdb', now: NOW }, { kind: 'count' });
    const pg = compileSegment(q, { dialect: 'postgres', now: NOW }, { kind: 'count' });
    expect(duck.sql).toBe(
      BASE +
        `(("p"."order_count" >= CAST($1 AS DOUBLE PRECISION)) AND (("p"."last_order_at" >= (CAST($2 AS TIMESTAMPTZ) - to_days(CAST($3 AS INTEGER)))) AND ("p"."last_order_at" <= CAST($4 AS TIMESTAMPTZ))))`,
    );
    expect(pg.sql).toBe(
      BASE +
        `(("p"."order_count" >= CAST($1 AS DOUBLE PRECISION)) AND (("p"."last_order_at" >= (CAST($2 AS TIMESTAMPTZ) - (CAST($3 AS INTEGER) * INTERVAL '1 day'))) AND ("p"."last_order_at" <= CAST($4 AS TIMESTAMPTZ))))`,
    );
    expect(duck.params).toEqual([2, NOW, 30, NOW]);
    expect(pg.params).toEqual(duck.params);
  });

  it('a purchase with item, window and count reads the raw orders', () => {
    const q = ir('bought category "coffee" within last 90 days at least 2 times');
    const pg = compileSegment(q, { dialect: 'postgres', now: NOW }, { kind: 'count' });
    expect(pg.sql).toBe(
      BASE +
        `("p"."customer_id" IN (SELECT "o"."customer_id" FROM "orders" AS "o" JOIN "order_lines" AS "li" ON ("li"."order_id" = "o"."id") JOIN "products" AS "pr" ON ("pr"."sku" = "li"."sku") WHERE ((("o"."status" = 'confirmed') AND (("o"."placed_at" >= (CAST($1 AS TIMESTAMPTZ) - (CAST($2 AS INTEGER) * INTERVAL '1 day'))) AND ("o"."placed_at" <= CAST($3 AS TIMESTAMPTZ)))) AND (lower("pr"."category") IN (lower($4)))) GROUP BY "o"."customer_id" HAVING (count(DISTINCT "o"."id") >= CAST($5 AS DOUBLE PRECISION))))`,
    );
    expect(pg.params).toEqual([NOW, 90, NOW, 'coffee', 2]);
  });

  it('an ever-bought category is answered from the profile, with a dialect-specific list test', () => {
    const q = ir('bought category "Coffee"');
    const duck = compileSegment(q, { dialect: 'duckdb', now: NOW }, { kind: 'count' });
    expect(duck.sql).toBe(BASE + `list_contains("p"."category_keys", $1)`);
    expect(duck.params).toEqual(['coffee']);
    expect(compileSegment(q, { dialect: 'postgres', now: NOW }, { kind: 'count' }).sql).toBe(BASE + `($1 = ANY("p"."category_keys"))`);
  });

  it('a list field test ignores case with a dialect-specific spelling', () => {
    const q = ir('abandoned_categories contains "coffee"');
    expect(compileSegment(q, { dialect: 'duckdb', now: NOW }, { kind: 'count' }).sql).toBe(
      BASE + `list_contains(list_transform("p"."abandoned_categories", lambda elem: lower(elem)), lower($1))`,
    );
    expect(compileSegment(q, { dialect: 'postgres', now: NOW }, { kind: 'count' }).sql).toBe(
      BASE + `EXISTS (SELECT 1 FROM unnest("p"."abandoned_categories") AS elem(v) WHERE lower(elem.v) = lower($1))`,
    );
  });

  it('tags, negation and consent', () => {
    const q = ir('has all tags ["vip", "gold"] or not consent email');
    const duck = compileSegment(q, { dialect: 'duckdb', now: NOW }, { kind: 'count' });
    expect(duck.sql).toBe(
      WITH_CUSTOMERS +
        `(("p"."customer_id" IN (SELECT "t"."customer_id" FROM "tags" AS "t" WHERE (lower("t"."tag") IN ($1, $2)) GROUP BY "t"."customer_id" HAVING (count(DISTINCT lower("t"."tag")) = 2))) OR (NOT coalesce((coalesce("c"."consent_email_granted", FALSE) = TRUE), FALSE))))`,
    );
    expect(duck.params).toEqual(['vip', 'gold']);
  });

  it('pages of members are ordered and bounded by parameters', () => {
    const page = compileSegment(ir('newsletter'), { dialect: 'duckdb', now: NOW }, { kind: 'page', limit: 50, offset: 100 });
    expect(page.sql).toMatch(/ ORDER BY "p"\."customer_id" ASC LIMIT \$\d+ OFFSET \$\d+$/);
    expect(page.params.slice(-2)).toEqual([50, 100]);
  });
});

describe('injection', () => {
  const evil = `x'); DROP TABLE customers; --`;

  it('values never reach the SQL text, whatever they contain', () => {
    for (const q of [
      `name = "${evil.replaceAll('"', '')}"`,
      `bought product "${evil}"`,
      `has tag "${evil}"`,
      `did page_view where url contains "${evil}"`,
      `answered "${evil}" with "${evil}"`,
    ]) {
      for (const dialect of ['duckdb', 'postgres'] as const) {
        const c = compileSegment(ir(q), { dialect, now: NOW });
        expect(c.sql).not.toContain('DROP');
        expect(c.params.some((p) => typeof p === 'string' && p.toLowerCase().includes('drop table'))).toBe(true);
      }
    }
  });

  it('refuses names that are not in the catalog or are not plain identifiers', () => {
    const unknown: SegmentIR = { version: 1, root: { kind: 'compare', field: 'id" OR 1=1 --', source: 'customer', op: 'isSet' } };
    expect(() => compileSegment(unknown, { dialect: 'duckdb', now: NOW })).toThrow(SegmentCompileError);
    const hostileCatalog = { ...defaultCatalog, 'x" OR 1=1 --': { type: 'string', description: 'hostile', source: 'customer' } } as const;
    const named: SegmentIR = { version: 1, root: { kind: 'compare', field: 'x" OR 1=1 --', source: 'customer', op: 'isSet' } };
    expect(() => compileSegment(named, { dialect: 'duckdb', now: NOW, catalog: hostileCatalog })).toThrow(/refusing to emit identifier/);
    const channel: SegmentIR = { version: 1, root: { kind: 'consent', channel: 'email_granted = TRUE OR 1=1 --', requireContact: false } };
    expect(() => compileSegment(channel, { dialect: 'postgres', now: NOW })).toThrow(/unknown channel/);
  });

  it('rejects a cycle of segment references', () => {
    const segments: Record<string, SegmentIR> = {
      a: { version: 1, root: { kind: 'segmentRef', segment: 'b' } },
      b: { version: 1, root: { kind: 'segmentRef', segment: 'a' } },
    };
    expect(() => compileSegment(segments.a!, { dialect: 'duckdb', now: NOW, resolveSegment: (n) => segments[n] })).toThrow(/refers to itself/);
  });
});

describe('export rows', () => {
  it('writes export rows for each file form: text times, money to the store precision, lists joined for CSV', () => {
    const columns = [
      { alias: 'customer_id', value: { kind: 'id' } },
      { alias: 'first_name', value: { kind: 'namePart', part: 'first' } },
      { alias: 'total_spent', value: { kind: 'field', field: 'total_spent' } },
      { alias: 'days_since_last_order', value: { kind: 'field', field: 'days_since_last_order' } },
      { alias: 'last_order_at', value: { kind: 'field', field: 'last_order_at' } },
      { alias: 'categories', value: { kind: 'field', field: 'categories' } },
      { alias: 'sms_consent', value: { kind: 'consent', channel: 'sms' } },
    ] as const;
    const q = ir('order_count >= 1');
    const select = (dialect: 'duckdb' | 'postgres', render: 'csv' | 'json' | 'native') =>
      compileSegment(q, { dialect, now: NOW }, { kind: 'rows', columns, render }).sql.split(' FROM "customer_profile"')[0];
    const days = `CAST(floor(((extract(epoch FROM CAST($1 AS TIMESTAMPTZ)) - extract(epoch FROM "p"."last_order_at")) / 86400)) AS BIGINT) AS "days_since_last_order"`;
    const first = `nullif(split_part(trim("c"."name"), ' ', 1), '') AS "first_name"`;
    expect(select('duckdb', 'csv')).toBe(
      `SELECT "p"."customer_id" AS "customer_id", ${first}, CAST(CAST("p"."total_spent" AS DECIMAL(18,4)) AS DOUBLE PRECISION) AS "total_spent", ${days}, ` +
        `strftime(make_timestamp(epoch_us("p"."last_order_at")), '%Y-%m-%dT%H:%M:%S.%gZ') AS "last_order_at", array_to_string("p"."categories", $2) AS "categories", ` +
        `coalesce("c"."consent_sms_granted", FALSE) AS "sms_consent"`,
    );
    expect(select('postgres', 'json')).toContain(`to_char(("p"."last_order_at") AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "last_order_at", "p"."categories" AS "categories"`);
    // Parquet keeps the store's types; whole numbers worked out at evaluation time stay whole
    expect(select('duckdb', 'native')).toBe(
      `SELECT "p"."customer_id" AS "customer_id", ${first}, "p"."total_spent" AS "total_spent", ${days}, "p"."last_order_at" AS "last_order_at", ` +
        `"p"."categories" AS "categories", coalesce("c"."consent_sms_granted", FALSE) AS "sms_consent"`,
    );
    const full = compileSegment(q, { dialect: 'duckdb', now: NOW }, { kind: 'rows', columns, render: 'csv' });
    expect(full.sql).toMatch(/JOIN "customers" AS "c" .* ORDER BY "p"."customer_id" ASC$/);
    expect(full.params).toEqual([NOW, ';', 1]);
  });
});
