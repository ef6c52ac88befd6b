import type { DuckDbRunner } from './duckdb-runner.js';

/** What touched a customer, as recorded in live_pending.cause. */
export type TouchCause = 'customer' | 'order' | 'event' | 'tag' | 'identity';

/**
 * Records the customers a write touched in live_pending, inside the write's own transaction: the
 * live engine (packages/live) re-evaluates them, and because the mark commits or rolls back with
 * the data, a crash can never leave accepted data whose customers are not re-evaluated. `select`
 * is a SELECT with a `customer_id` column and a `ref` column naming the record (an order id, an
 * event's message id); one row per customer and write, with one of its records as the reference.
 */
export async function markTouched(runner: DuckDbRunner, cause: TouchCause, select: string): Promise<void> {
  await runner.run(
    `INSERT INTO live_pending (customer_id, cause, ref, "at")
     SELECT t.customer_id, $1, $1 || ':' || min(t.ref), now() FROM (${select}) t WHERE t.customer_id IS NOT NULL GROUP BY t.customer_id`,
    [cause],
  );
}
