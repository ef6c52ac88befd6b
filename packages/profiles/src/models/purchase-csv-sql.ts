import type { SqlRunner } from '@strata/core';
import { toPurchaseHistories, type PurchaseHistories } from './purchase-histories.js';
import { dayNumber, daysPerUnit, type TimeUnit } from './transactions.js';

/** Where the purchase columns are in a CSV file (0-based), and how many columns it has. */
export interface PurchaseCsvColumns {
  count: number;
  customer: number;
  date: number;
  amount: number;
}

export interface PurchaseCsvSummary {
  histories: PurchaseHistories;
  /** Rows read as purchases. */
  purchases: number;
  /** Rows with no customer. */
  withoutCustomer: number;
  /**
   * Rows with a customer whose date or amount this reader does not read (null: an empty cell).
   * Whether they are purchases is for the caller to decide by its own rules.
   */
  unread: { customer: string; date: string | null; amount: string | null }[];
}

/**
 * The day number of a date cell, as `dayNumber` reads it, for the two ways of writing a date
 * that purchase logs use: YYYYMMDD and YYYY-MM-DD, each followed by anything (a time, a zone).
 * Years before 100 are left unread: JavaScript's Date.UTC puts them in the 1900s. No cell matches
 * both patterns (its fifth character is a digit or a dash), so the commoner dashed one is tried first;
 * its ten characters are cast to DATE, which is cheaper than `strptime` with '%Y-%m-%d' and takes
 * the same ones (checked on every month and day from 00 to 99 of eleven years, leap years included).
 */
const daySql = (cell: string) => `(CASE
    WHEN regexp_matches(${cell}, '^[0-9]{4}-[0-9]{2}-[0-9]{2}') AND ${cell} >= '0100' THEN try_cast(left(${cell}, 10) AS DATE)
    WHEN regexp_matches(${cell}, '^[0-9]{8}') AND ${cell} >= '0100' THEN try_strptime(left(${cell}, 8), '%Y%m%d')
  END)::DATE - DATE '1970-01-01'`;

/**
 * An amount cell in plain decimal notation, to the micro-unit: exact, so sums do not depend on
 * the order DuckDB adds them in. Other notations (1e3, +5, more decimals) are left unread.
 */
const valueSql = (cell: string) =>
  `CASE WHEN regexp_full_match(${cell}, '-?[0-9]{1,12}(\\.[0-9]{1,6})?') THEN ${cell}::DECIMAL(18, 6) END`;

/**
 * The models' per-customer histories of a purchase CSV, computed by DuckDB's parallel reader
 * without a row reaching JavaScript: the same histories as `PurchaseLog.summarise` (purchases on
 * one day are one purchase, times from the first purchase day, customers who first bought after
 * the calibration end left out), for files every CSV reader splits the same way (see
 * `plainCsvHeader` in @strata/ingest). DuckDB only; rejects when DuckDB's reader refuses the file.
 */
export async function summarisePurchaseCsv(
  sql: SqlRunner,
  file: string,
  columns: PurchaseCsvColumns,
  options: { calibrationEnd: string; holdoutEnd?: string; timeUnit?: TimeUnit },
): Promise<PurchaseCsvSummary> {
  if (sql.dialect !== 'duckdb') throw new Error('the columnar purchase reader runs on DuckDB only');
  const end = dayNumber(options.calibrationEnd);
  if (Number.isNaN(end)) throw new RangeError(`calibration end is not a date: ${options.calibrationEnd}`);
  const holdoutEnd = options.holdoutEnd === undefined ? null : dayNumber(options.holdoutEnd);
  const cell = (i: number) => `c${i}`;
  const types = Array.from({ length: columns.count }, (_, i) => `'${cell(i)}': 'VARCHAR'`).join(', ');
  // Every option spelled out, nothing sniffed: the header is skipped (its names were read by
  // the caller) and each row must have the header's number of cells. Line endings are left to
  // DuckDB, which takes LF and CRLF alike.
  const read = `read_csv($1, header = false, skip = 1, auto_detect = false, columns = {${types}},
    delim = ',', quote = '"', escape = '"', comment = '', strict_mode = true, null_padding = false)`;
  const customer = cell(columns.customer);
  const date = cell(columns.date);
  const amount = cell(columns.amount);
  const purchases = `SELECT ${customer} AS customer, ${date} AS date_text, ${amount} AS amount_text,
      ${valueSql(amount)} AS value, ${daySql(date)} AS day
    FROM ${read}`;
  // A customer's purchases grouped by day first (a day's values summed), then by customer; rows
  // not read go to a day of their own (NULL), rows with no customer to a customer of their own.
  await sql.exec(
    `CREATE OR REPLACE TEMP TABLE purchase_customers AS
     WITH days AS (
       SELECT customer, CASE WHEN value IS NOT NULL THEN day END AS day, sum(value) AS value, count(*) AS n
       FROM (${purchases}) GROUP BY ALL
     )
     SELECT customer,
            sum(n) FILTER (WHERE day IS NOT NULL) AS purchases,
            sum(n) FILTER (WHERE day IS NULL) AS unread,
            min(day) AS first_day,
            max(day) FILTER (WHERE day <= $2) AS last_day,
            count(day) FILTER (WHERE day <= $2) - 1 AS x,
            count(day) FILTER (WHERE day > $2 AND ($3::INTEGER IS NULL OR day <= $3::INTEGER)) AS holdout,
            sum(value) FILTER (WHERE day <= $2) - arg_min(value, day) AS repeat_value
     FROM days GROUP BY customer`,
    [file, end, holdoutEnd],
  );
  try {
    const [totals] = await sql.query<{
      purchases: number | null;
      without_customer: number | null;
      unread: number | null;
    }>(
      `SELECT sum(purchases) FILTER (WHERE customer IS NOT NULL) AS purchases,
              sum(coalesce(purchases, 0) + coalesce(unread, 0)) FILTER (WHERE customer IS NULL) AS without_customer,
              sum(unread) FILTER (WHERE customer IS NOT NULL) AS unread
       FROM purchase_customers`,
    );
    const unread = Number(totals?.unread ?? 0)
      ? await sql.query<{ customer: string; date: string | null; amount: string | null }>(
          `SELECT customer, date_text AS date, amount_text AS amount FROM (${purchases})
           WHERE customer IS NOT NULL AND (value IS NULL OR day IS NULL)`,
          [file],
        )
      : [];
    const buyers = `purchase_customers WHERE customer IS NOT NULL AND first_day <= $1`;
    const unit = daysPerUnit(options.timeUnit);
    const histories = await sql.query<{ x: number; t_x: number; t: number; holdout: number; customers: number }>(
      `SELECT x::INTEGER AS x, (last_day - first_day)::INTEGER AS t_x, ($1 - first_day)::INTEGER AS t,
              holdout::INTEGER AS holdout, count(*)::INTEGER AS customers
       FROM ${buyers} GROUP BY ALL`,
      [end],
    );
    const spend = await sql.query<{ x: number; m: number; customers: number }>(
      `SELECT x::INTEGER AS x, repeat_value::DOUBLE / x AS m, count(*)::INTEGER AS customers
       FROM ${buyers} AND x > 0 AND repeat_value > 0 GROUP BY ALL`,
      [end],
    );
    return {
      histories: toPurchaseHistories(
        histories.map((h) => ({
          x: Number(h.x),
          t_x: Number(h.t_x) / unit,
          T: Number(h.t) / unit,
          holdoutCount: Number(h.holdout),
          customers: Number(h.customers),
        })),
        spend.map((s) => ({ x: Number(s.x), m: s.m, customers: Number(s.customers) })),
      ),
      purchases: Number(totals?.purchases ?? 0),
      withoutCustomer: Number(totals?.without_customer ?? 0),
      unread,
    };
  } finally {
    await sql.exec('DROP TABLE IF EXISTS purchase_customers');
  }
}
