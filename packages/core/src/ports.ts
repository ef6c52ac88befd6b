import type { Entity } from './vocabulary.js';
import type {
  Customer,
  Event,
  IdentityLink,
  Location,
  Order,
  OrderLineRow,
  Product,
  TagAssignment,
  TagRemoval,
} from './model.js';

/** What one write did, per entity: new rows, changed rows, rows already present as sent. */
export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export const emptyWriteCounts = (): WriteCounts => ({ inserted: 0, updated: 0, unchanged: 0 });

/**
 * Records written together, atomically: either all of a batch is stored or none of it.
 * Customers are merged field by field (a field not sent keeps its stored value); events are
 * keyed by message id, so a re-sent event changes nothing.
 */
export interface WriteBatch {
  customers?: readonly Customer[];
  products?: readonly Product[];
  locations?: readonly Location[];
  orders?: readonly Order[];
  order_lines?: readonly OrderLineRow[];
  events?: readonly Event[];
  tags?: readonly TagAssignment[];
  identities?: readonly IdentityLink[];
  /**
   * Tags taken off customers. They are applied before the batch's tag assignments, so a batch
   * that removes and adds one tag ends with it.
   */
  tag_removals?: readonly TagRemoval[];
  /**
   * Events that take the place of the stored event with the same message id (inserted when there
   * is none): a later, fuller account of one happening — a content view whose dwell time came,
   * a questionnaire question answered again. Applied after `events`; the last of each id wins.
   */
  event_updates?: readonly Event[];
}

/**
 * Every part of a WriteBatch, for code that handles batches part by part (a group-committing
 * writer): a part added to WriteBatch must be named here, or this stops compiling.
 */
export const writeBatchParts = Object.keys({
  locations: true,
  products: true,
  customers: true,
  identities: true,
  orders: true,
  order_lines: true,
  events: true,
  tags: true,
  tag_removals: true,
  event_updates: true,
} satisfies Record<keyof WriteBatch, true>) as (keyof WriteBatch)[];

export type BatchCounts = Partial<Record<Entity | 'identities', WriteCounts>>;

export type EntityCounts = Record<Entity, number> & { identities: number; merged_customers: number };

/** The write side of a store. Implemented by store-duckdb (embedded) and later store-postgres. */
export interface StoreWriter {
  write(batch: WriteBatch): Promise<BatchCounts>;
}

export interface StoreReader {
  counts(): Promise<EntityCounts>;
  /** Resolves as soon as the store answers a read: never waits behind a write or a long query (liveness checks). */
  ping(): Promise<void>;
  /** The customer a store id, email, phone or anonymous id resolves to, after merges. */
  resolveCustomer(key: {
    id?: string;
    email?: string;
    phone?: string;
    anonymous_id?: string;
  }): Promise<string | undefined>;
}

export interface Store extends StoreWriter, StoreReader {
  close(): Promise<void>;
}

export type SqlParam = string | number | boolean | null;

export interface ReadOptions {
  /** The query is stopped (really interrupted in the engine) once it has run this long. */
  readonly timeoutMs: number;
}
export type LoadColumnType = 'text' | 'double' | 'integer' | 'boolean' | 'timestamp';

/**
 * Runs SQL inside a store, for work that is set-based by nature (profiles, segment counts).
 * Rows come back as plain JSON values: numbers (big integers and decimals too), ISO 8601 UTC
 * strings for times (a time without a zone is UTC), YYYY-MM-DD for dates, JSON as its text.
 * Parameters ($1, $2, …) are bound as values, never spliced into the SQL. A statement the engine
 * refuses rejects with the engine's Error, whose message names what is wrong, and the runner
 * stays usable. The contract suite in @strata/testkit/contracts checks all of this per adapter.
 */
export interface SqlRunner {
  /** The SQL this runner speaks. Engine-specific callers check it (the profile engine is DuckDB only). */
  readonly dialect: 'duckdb' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  exec(sql: string, params?: readonly SqlParam[]): Promise<void>;
  /**
   * A read-only query over committed data, for work whose cost the user chooses (segments): it
   * neither waits behind writes nor holds them up (it has its own connection), and it is stopped
   * once it has run `timeoutMs`, rejecting with AppError 'too_costly'. It sees tables, not the
   * temporary tables of the connection `exec` uses. Rows as `query`.
   */
  read<T = Record<string, unknown>>(sql: string, params: readonly SqlParam[], options: ReadOptions): Promise<T[]>;
  /**
   * Creates (or replaces) a table and fills it with rows, the fast way the engine offers
   * (DuckDB's appender, PostgreSQL's multi-row INSERTs). Column types: 'text' | 'double' |
   * 'integer' | 'boolean' | 'timestamp' (ISO 8601 text in). A name that is not a plain lower-case
   * identifier is refused with AppError 'invalid'.
   */
  loadTable(
    name: string,
    columns: readonly (readonly [name: string, type: LoadColumnType])[],
    rows: Iterable<readonly (SqlParam | undefined)[]>,
  ): Promise<void>;
  /**
   * Runs fn in one transaction: all its statements commit together or not at all; an error thrown
   * by fn rolls back and reaches the caller unchanged. A nested call joins the outer transaction.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/**
 * A record of a file that a store's own reader could not take as it is (not in canonical form,
 * or not valid): the caller validates it the usual way. CSV records come as their non-empty
 * cells by header name, JSON Lines records as the line's text.
 */
export type NativeRecord =
  { index: number; line: number; cells: Record<string, string> } | { index: number; line: number; text: string };

/**
 * A file opened by a store's own parallel reader. Records already in canonical form (the form the
 * validators would turn them into unchanged) are written by the store without leaving it; the
 * rest are handed back, in file order, to be validated and written through `StoreWriter.write`.
 */
export interface NativeFileImport {
  /** Data records in the file (header and blank lines not counted). */
  readonly records: number;
  /** The records the store did not take, in file order. */
  readonly others: readonly NativeRecord[];
  /** Writes the canonical records whose index is in [from, to); returns what changed. */
  writeRange(from: number, to: number, onProgress?: (done: number) => void): Promise<WriteCounts>;
  close(): Promise<void>;
}

/** Values an import fills in where a record leaves them out: the store's own settings. */
export interface ImportDefaults {
  /** The store's currency (`strata config set currency GBP`), for orders that give none. */
  currency?: string;
}

/** Optional store capability: bulk import of a local file by the engine's own reader. */
export interface NativeFileImporter {
  /** Undefined when this file cannot be read natively (the caller then streams it). */
  openFileImport(
    entity: Entity,
    path: string,
    format: 'csv' | 'jsonl',
    defaults?: ImportDefaults,
  ): Promise<NativeFileImport | undefined>;
}

export function isNativeFileImporter(w: unknown): w is NativeFileImporter {
  return typeof (w as Partial<NativeFileImporter>).openFileImport === 'function';
}

/** Optional store capability: which of these order ids the store holds (to report order lines that arrive before their order). */
export interface OrderLookup {
  findOrderIds(ids: readonly string[]): Promise<Set<string>>;
}

export function isOrderLookup(w: unknown): w is OrderLookup {
  return typeof (w as Partial<OrderLookup>).findOrderIds === 'function';
}

/** The files a store's engine can write a query's rows to. */
export type QueryFileFormat = 'csv' | 'jsonl' | 'parquet';

/**
 * Optional store capability: the rows of a read-only query written by the engine itself to a
 * local file, CSV with a header line, JSON Lines (one object per row, columns in order) or
 * Parquet, in the query's order. It runs as SqlRunner.read does (a connection of its own, stopped
 * after `timeoutMs`) and resolves with the number of rows written.
 */
export interface QueryFileWriter {
  writeQueryToFile(
    sql: string,
    params: readonly SqlParam[],
    file: { readonly path: string; readonly format: QueryFileFormat },
    options: ReadOptions,
  ): Promise<number>;
}

export function isQueryFileWriter(r: unknown): r is QueryFileWriter {
  return typeof (r as Partial<QueryFileWriter>).writeQueryToFile === 'function';
}

/** One outgoing webhook request: a JSON body already signed, to one subscriber's URL. */
export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Aborted when the sender should give up on this request (shutdown). */
  readonly signal: AbortSignal;
}

/** What became of one webhook request: a 2xx answer is delivered, anything else is retried. */
export type WebhookResult = { delivered: true; status: number } | { delivered: false; error: string };

/**
 * Port: sends outgoing webhooks. The real adapter posts over HTTP (@strata/membership's
 * fetchWebhookSender); tests may hand in another. It never throws: a failure is a result.
 */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResult>;
}
