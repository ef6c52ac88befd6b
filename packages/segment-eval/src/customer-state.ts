/*
 * Everything a segment can read about one customer, as plain data: the rows the SQL backend reads
 * for that customer (customer_profile, customers, orders with their lines and products, events,
 * tags), times in epoch milliseconds. A state is read from a store by loadCustomerStates; a live
 * engine may also keep one current itself.
 */

/** A row as the store returns it: column name → plain value (numbers, ISO times, lists, JSON text). */
export type StoredRow = Readonly<Record<string, unknown>>;

export interface OrderLineState {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly lineDiscount: number;
  /** The product's catalogue fields; undefined when the sku is not among the products. */
  readonly product?: {
    readonly category: string | null;
    readonly brand: string | null;
    readonly collection: string | null;
  };
}

export interface OrderState {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly placedAt: number;
  /** `confirmed`, `cancelled` or `refunded`: only confirmed orders are purchases. */
  readonly status: string;
  readonly total: number;
  readonly locationId: string;
  readonly lines: readonly OrderLineState[];
}

export interface EventState {
  readonly type: string;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface CustomerState {
  readonly id: string;
  /**
   * The customer_profile row (traits as of the last profile update). A customer without one is
   * in no segment, as the SQL backend evaluates segments over the profiles.
   */
  readonly profile: StoredRow | undefined;
  /** The customers row (attributes, contact points, consent columns, merged_into); undefined without one. */
  readonly customer: StoredRow | undefined;
  /** Set when this customer was merged into another (whose id it is): such a customer's data has moved there. */
  readonly mergedInto: string | undefined;
  /** Every order of the customer, whatever its status, by time. */
  readonly orders: readonly OrderState[];
  /** The customer's events, by time. */
  readonly events: readonly EventState[];
  /** Tags as assigned (the evaluator compares them ignoring case). */
  readonly tags: readonly string[];
  /** Marketing consent granted, by channel (absent: not granted). */
  readonly consents: Readonly<Record<string, boolean>>;
  /** The latest answer to each questionnaire question (from the profile); null when the answer was empty. */
  readonly answers: Readonly<Record<string, string | null>>;
}

/** A JSON column as an object: parsed when it came as text; {} when it holds no object. */
export function jsonObject(v: unknown): Readonly<Record<string, unknown>> {
  let parsed = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v) as unknown;
    } catch {
      return {};
    }
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

/**
 * A JSON value read as text, as SQL's `->>` gives it: strings as they are, null as missing,
 * anything else as its JSON text.
 */
export function jsonText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
