import type { Event } from '@strata/core';
import type { DuckDbRunner } from './duckdb-runner.js';
import { stage } from './staging.js';

/*
 * What storing events and replacing them share: the staging of a batch, the stub customers
 * events name, and who each event belongs to after merges and identity links.
 */

/** Stages events in stage_events, in batch order. */
export function stageEvents(runner: DuckDbRunner, rows: readonly Event[]): Promise<void> {
  return stage(
    runner,
    'stage_events',
    rows.map((e, i) => [
      e.message_id,
      e.customer_id,
      e.anonymous_id,
      e.type,
      e.occurred_at,
      JSON.stringify(e.properties),
      null,
      i,
    ]),
  );
}

/** A stub customer for each customer id the staged events (a relation with stage_events' columns) name and the store does not know. */
export async function insertEventStubs(runner: DuckDbRunner, source: string): Promise<void> {
  await runner.run(`
    INSERT INTO customers (id, is_stub, attributes)
    SELECT DISTINCT s.source_customer_id, true, '{}'::JSON FROM ${source} s
    WHERE s.source_customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.source_customer_id)`);
}

/**
 * The events table's columns (message_id, customer_id, anonymous_id, type, occurred_at,
 * properties) from staged rows: the customer is the one named (or who it was merged into), else
 * whoever the anonymous id was identified as.
 */
export const resolvedEventsSql = (rows: string) => `
    SELECT s.message_id,
           CASE WHEN s.source_customer_id IS NOT NULL THEN coalesce(c.merged_into, s.source_customer_id) ELSE coalesce(ac.merged_into, ac.id) END AS customer_id,
           s.anonymous_id, s.type, s.occurred_at::TIMESTAMPTZ AS occurred_at, s.properties::JSON AS properties
    FROM ${rows} s
    LEFT JOIN customers c ON c.id = s.source_customer_id
    LEFT JOIN identities i ON i.kind = 'anonymous' AND i.value = CASE WHEN s.source_customer_id IS NULL THEN s.anonymous_id END
    LEFT JOIN customers ac ON ac.id = i.customer_id`;
