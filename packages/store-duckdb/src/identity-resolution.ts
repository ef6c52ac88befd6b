import { createHash } from 'node:crypto';
import { channels, type IdentityLink, type WriteCounts } from '@strata/core';
import { markTouched } from './live-marks.js';
import type { DuckDbRunner } from './duckdb-runner.js';
import { customerPlainFields, insertOnlyCounts, stage } from './staging.js';

/** The id given to a buyer known only by email or phone (a till order): stable, so re-imports agree. */
export function guestCustomerId(kind: 'email' | 'phone', value: string): string {
  return `guest-${createHash('sha256').update(`${kind}:${value}`).digest('hex').slice(0, 20)}`;
}
/** guestCustomerId in SQL, over a text expression. */
export const guestIdSql = (kind: string, valueExpr: string) =>
  `'guest-' || substr(sha256('${kind}:' || ${valueExpr}), 1, 20)`;

/** The surviving customer id for an id, email, phone or anonymous id, tried in that order. */
export async function resolveCustomer(
  runner: DuckDbRunner,
  key: { id?: string; email?: string; phone?: string; anonymous_id?: string },
): Promise<string | undefined> {
  const lookups: [string, string | undefined][] = [
    ['id', key.id],
    ['email', key.email?.toLowerCase()],
    ['phone', key.phone],
    ['anonymous', key.anonymous_id],
  ];
  for (const [kind, value] of lookups) {
    if (value === undefined) continue;
    const sql =
      kind === 'id'
        ? 'SELECT coalesce(merged_into, id) AS id FROM customers WHERE id = $1'
        : `SELECT coalesce(c.merged_into, c.id) AS id FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.kind = '${kind}' AND i.value = $1`;
    const r = await runner.rows<{ id: string }>(sql, [value]);
    if (r[0]) return r[0].id;
  }
  return undefined;
}

/** A record sent for a customer that was merged into another goes to the surviving one. */
export async function redirectMerged(runner: DuckDbRunner, table: string, column: string): Promise<void> {
  await runner.run(
    `UPDATE ${table} SET ${column} = c.merged_into FROM customers c WHERE c.id = ${table}.${column} AND c.merged_into IS NOT NULL`,
  );
}

/**
 * Records that these customers own these emails/phones. When one is already owned by another
 * customer, the two are the same person: they are merged, keeping both histories.
 */
export async function claimIdentities(runner: DuckDbRunner, claimsSql: string, now: () => Date): Promise<void> {
  await runner.run(`CREATE OR REPLACE TEMP TABLE claims AS ${claimsSql}`);
  await runner.run(
    `
    INSERT OR IGNORE INTO identities
    SELECT kind, value, customer_id, $1::TIMESTAMPTZ FROM claims
    QUALIFY row_number() OVER (PARTITION BY kind, value ORDER BY ord) = 1`,
    [now().toISOString()],
  );
  // Only claims whose identity belongs to another id can be conflicts (few or none); their
  // canonical ids are resolved one by one. (Joining customers twice here in SQL led DuckDB's
  // planner to a 10⁸-row nested loop.)
  const conflicts = await runner.rows<{ kind: string; value: string; owner: string; claimant: string }>(`
    SELECT DISTINCT cl.kind, cl.value, i.customer_id AS owner, cl.customer_id AS claimant
    FROM claims cl JOIN identities i ON i.kind = cl.kind AND i.value = cl.value
    WHERE i.customer_id <> cl.customer_id
    ORDER BY 1, 2, 4`);
  if (conflicts.length) await mergeAll(runner, conflicts);
}

/**
 * Merges the customers who turned out to be one person. Conflicts link ids into groups (union-
 * find: a till guest, an online account and a second account sharing a phone are one group).
 * Each group keeps one survivor: a customer with a store record over a guest or stub, then the
 * one that already owned the email/phone, then the smallest id. The others' orders, events,
 * tags, identities and consent history move to the survivor in set-based statements; their rows
 * stay with merged_into set, so their ids still resolve.
 */
async function mergeAll(
  runner: DuckDbRunner,
  conflicts: readonly { owner: string; claimant: string }[],
): Promise<void> {
  const raw = [...new Set(conflicts.flatMap((c) => [c.owner, c.claimant]))];
  const canon = await customerColumn<string>(runner, raw, 'coalesce(c.merged_into, c.id)');
  const canonical = (id: string) => canon.get(id) ?? id;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const owners = new Set<string>();
  for (const c of conflicts) {
    const a = canonical(c.owner);
    const b = canonical(c.claimant);
    owners.add(a);
    if (a === b) continue;
    parent.set(find(a), find(b));
  }
  const members = new Map<string, string[]>();
  for (const id of parent.keys()) {
    const root = find(id);
    const list = members.get(root) ?? [];
    list.push(id);
    members.set(root, list);
  }
  const ids = [...members.values()].flat();
  const stub = await customerColumn<boolean>(runner, ids, 'c.is_stub');
  const weak = (id: string) => (id.startsWith('guest-') || stub.get(id) === true ? 1 : 0);
  const rounds: [survivor: string, merged: string][][] = [];
  for (const group of members.values()) {
    if (group.length < 2) continue;
    group.sort(
      (x, y) => weak(x) - weak(y) || Number(owners.has(y)) - Number(owners.has(x)) || (x < y ? -1 : x > y ? 1 : 0),
    );
    const [survivor, ...merged] = group;
    // One merged customer per survivor per round, so every UPDATE ... FROM has one source row.
    merged.forEach((m, k) => (rounds[k] ??= []).push([survivor!, m]));
  }
  for (const pairs of rounds) await mergePairs(runner, pairs);
}

/** An expression over customer `c` for each of these ids that is stored (staged, so the lookup is one join). */
async function customerColumn<T>(runner: DuckDbRunner, ids: readonly string[], expr: string): Promise<Map<string, T>> {
  await stage(
    runner,
    'stage_links',
    ids.map((id, i) => [i, id, null]),
  );
  const rows = await runner.rows<{ id: string; v: T }>(
    `SELECT c.id, ${expr} AS v FROM stage_links s JOIN customers c ON c.id = s.customer_id`,
  );
  return new Map(rows.map((r) => [r.id, r.v]));
}

async function mergePairs(runner: DuckDbRunner, pairs: readonly [string, string][]): Promise<void> {
  await runner.appendRows(
    'merge_pairs',
    [
      ['survivor', 'text'],
      ['merged', 'text'],
    ],
    pairs,
    { temp: true },
  );
  const fill = [...customerPlainFields, 'birthday', 'age', 'shipping_address', 'billing_address', 'newsletter']
    .map((f) => `${f} = coalesce(s.${f}, m.${f})`)
    .join(', ');
  await runner.run(`
    UPDATE customers AS s SET ${fill},
      created_at = coalesce(least(s.created_at, m.created_at), s.created_at, m.created_at),
      attributes = CASE WHEN m.attributes IS NULL THEN s.attributes WHEN s.attributes IS NULL THEN m.attributes ELSE json_merge_patch(m.attributes, s.attributes) END,
      is_stub = s.is_stub AND m.is_stub
    FROM merge_pairs p JOIN customers m ON m.id = p.merged
    WHERE s.id = p.survivor`);
  for (const ch of channels) {
    await runner.run(`
      UPDATE customers AS s SET consent_${ch}_granted = m.consent_${ch}_granted, consent_${ch}_at = m.consent_${ch}_at, consent_${ch}_source = m.consent_${ch}_source
      FROM merge_pairs p JOIN customers m ON m.id = p.merged
      WHERE s.id = p.survivor AND m.consent_${ch}_at IS NOT NULL AND (s.consent_${ch}_at IS NULL OR m.consent_${ch}_at > s.consent_${ch}_at)`);
  }
  await markTouched(
    runner,
    'identity',
    'SELECT survivor AS customer_id, merged AS ref FROM merge_pairs UNION ALL SELECT merged, merged FROM merge_pairs',
  );
  await runner.run(
    `UPDATE customers SET merged_into = p.survivor FROM merge_pairs p WHERE customers.id = p.merged OR customers.merged_into = p.merged`,
  );
  for (const table of ['orders', 'events', 'identities']) {
    await runner.run(
      `UPDATE ${table} SET customer_id = p.survivor FROM merge_pairs p WHERE ${table}.customer_id = p.merged`,
    );
  }
  await runner.run(
    `INSERT OR IGNORE INTO tags SELECT p.survivor, t.tag, t.source, t.assigned_by, t.assigned_at FROM tags t JOIN merge_pairs p ON t.customer_id = p.merged`,
  );
  await runner.run(`DELETE FROM tags WHERE customer_id IN (SELECT merged FROM merge_pairs)`);
  await runner.run(
    `INSERT OR IGNORE INTO consent_history SELECT p.survivor, h.channel, h.granted, h.stated_at, h.source FROM consent_history h JOIN merge_pairs p ON h.customer_id = p.merged`,
  );
  await runner.run(`DELETE FROM consent_history WHERE customer_id IN (SELECT merged FROM merge_pairs)`);
}

/** Creates id-only customers for ids seen in orders/events before their customer record. */
export async function ensureCustomers(runner: DuckDbRunner, sql: string): Promise<void> {
  await runner.run(
    `INSERT OR IGNORE INTO customers (id, is_stub, attributes) SELECT DISTINCT customer_id, true, '{}'::JSON FROM (${sql}) WHERE customer_id IS NOT NULL`,
  );
}

export async function linkIdentities(
  runner: DuckDbRunner,
  rows: readonly IdentityLink[],
  now: () => Date,
): Promise<WriteCounts> {
  await stage(
    runner,
    'stage_links',
    rows.map((l, i) => [i, l.customer_id, l.anonymous_id]),
  );
  return applyLinks(runner, now);
}

/** Applies the identity links in stage_links (ord, customer_id, anonymous_id). */
export async function applyLinks(runner: DuckDbRunner, now: () => Date): Promise<WriteCounts> {
  await redirectMerged(runner, 'stage_links', 'customer_id');
  await ensureCustomers(runner, 'SELECT customer_id FROM stage_links');
  const c = await runner.one(`
    SELECT count(*) FILTER (WHERE i.value IS NULL) AS inserted, count(*) AS total
    FROM (SELECT DISTINCT anonymous_id, first(customer_id ORDER BY ord) AS customer_id FROM stage_links WHERE anonymous_id IS NOT NULL GROUP BY anonymous_id) s
    LEFT JOIN identities i ON i.kind = 'anonymous' AND i.value = s.anonymous_id`);
  // An anonymous id belongs to the first customer it was identified as (a shared device does
  // not make two people one).
  await runner.run(
    `INSERT OR IGNORE INTO identities
     SELECT 'anonymous', anonymous_id, customer_id, $1::TIMESTAMPTZ FROM stage_links WHERE anonymous_id IS NOT NULL
     QUALIFY row_number() OVER (PARTITION BY anonymous_id ORDER BY ord) = 1`,
    [now().toISOString()],
  );
  // Events sent before the visitor was identified now belong to the customer.
  await markTouched(
    runner,
    'identity',
    `SELECT coalesce(c.merged_into, c.id) AS customer_id, i.value AS ref FROM identities i JOIN customers c ON c.id = i.customer_id
     WHERE i.kind = 'anonymous' AND i.value IN (SELECT anonymous_id FROM stage_links)`,
  );
  await runner.run(`
    UPDATE events SET customer_id = coalesce(c.merged_into, c.id)
    FROM identities i JOIN customers c ON c.id = i.customer_id
    WHERE i.kind = 'anonymous' AND i.value = events.anonymous_id AND events.customer_id IS NULL
      AND events.anonymous_id IN (SELECT anonymous_id FROM stage_links)`);
  return insertOnlyCounts(Number(c.inserted ?? 0), Number(c.total ?? 0));
}
