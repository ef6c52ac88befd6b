import type { Customer, Entity, Event, IdentityLink, Location, Order, OrderLineRow, Product, TagAssignment } from './model.js';

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
}

export type BatchCounts = Partial<Record<Entity | 'identities', WriteCounts>>;

export type EntityCounts = Record<Entity, number> & { identities: number; merged_customers: number };

/** The write side of a store. Implemented by store-duckdb (embedded) and later store-postgres. */
export interface StoreWriter {
  write(batch: WriteBatch): Promise<BatchCounts>;
}

export interface StoreReader {
  counts(): Promise<EntityCounts>;
  /** The customer a store id, email, phone or anonymous id resolves to, after merges. */
  resolveCustomer(key: { id?: string; email?: string; phone?: string; anonymous_id?: string }): Promise<string | undefined>;
}

export interface Store extends StoreWriter, StoreReader {
  close(): Promise<void>;
}
