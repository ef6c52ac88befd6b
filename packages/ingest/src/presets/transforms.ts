/*
 * The named steps presets use: transforms turn one cell into a field's value; derivations work
 * out a record's fields from others once its columns are mapped. Each is small and shared by
 * every preset that names it; the presets themselves are data.
 */
import { OrderStatus } from '@strata/core';

/** A record being built: its fields (nested) and the `$` values derivations read. */
export interface Draft {
  value: Record<string, unknown>;
  scratch: Record<string, string>;
  /** Per order line: its fields and `$` values. */
  lines: { value: Record<string, unknown>; scratch: Record<string, string> }[];
}

export interface DeriveContext {
  /** Statement time for consent given without one: the export file's time. */
  fileTime: string;
  /** What consent statements from this file are marked as coming from ("shopify export"). */
  source: string;
}

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

/** Shopify writes ids, postcodes and phones as '123 so that a spreadsheet keeps them as text. */
const unquote = (s: string) => (s.startsWith("'") ? s.slice(1) : s);

export const transforms = {
  /** Shopify's customer id: `shopify:<id>`, as the order webhook names the same customer. */
  shopifyId: (s: string) => `shopify:${unquote(s.trim())}`,
  /** A value a spreadsheet was told to keep as text ('0151…, '02134). */
  spreadsheetText: (s: string) => unquote(s.trim()),
  /** Comma-separated (Shopify tags: "vip, wholesale"). */
  commaList: (s: string) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  /** A point-of-sale location by name; orders without one are the online shop's. */
  shopifyPosLocation: (s: string) => `shopify-pos:${s.trim()}`,
  /** WooCommerce ids: `woocommerce:<id>`. */
  wooId: (s: string) => `woocommerce:${s.trim()}`,
  /** A WooCommerce customer id; 0 is a guest checkout (no account). */
  wooCustomerId: (s: string) => (s.trim() === '0' ? undefined : `woocommerce:${s.trim()}`),
  /** WooCommerce's coupon_items: `code:SAVE10|description:…|amount:5.00;code:…` → the codes. */
  wooCoupons: (s: string) =>
    s
      .split(';')
      .map((item) => /(?:^|\|)code:([^|]*)/.exec(item)?.[1]?.trim() ?? '')
      .filter((c) => c !== ''),
} as const satisfies Record<string, (cell: string) => unknown>;
export type TransformName = keyof typeof transforms;

/** Shopify's order status: cancelled when Cancelled at is set, refunded when the payment was refunded (or voided: cancelled). */
function shopifyStatus(d: Draft): void {
  const financial = d.scratch.financial_status?.trim().toLowerCase();
  d.value.status = !blank(d.scratch.cancelled_at)
    ? OrderStatus.cancelled
    : financial === 'refunded'
      ? OrderStatus.refunded
      : financial === 'voided'
        ? OrderStatus.cancelled
        : OrderStatus.confirmed;
  netOfRefunds(d);
}

/** WooCommerce's order statuses: unpaid (pending, failed, draft) orders never became sales. */
const wooStatuses: Record<string, OrderStatus> = {
  completed: 'confirmed',
  processing: 'confirmed',
  'on-hold': 'confirmed',
  cancelled: 'cancelled',
  failed: 'cancelled',
  pending: 'cancelled',
  'checkout-draft': 'cancelled',
  refunded: 'refunded',
};

function wooStatus(d: Draft): void {
  const s = d.scratch.status?.trim().toLowerCase().replace(/^wc-/, '');
  // an unknown status is left as it is, for the schema to refuse with its column
  if (s !== undefined) d.value.status = wooStatuses[s] ?? s;
  netOfRefunds(d);
}

/** A partly refunded order counts what was kept: its total less the refunded amount. */
function netOfRefunds(d: Draft): void {
  const refunded = Number(d.scratch.refunded ?? '');
  const total = Number(d.value.total ?? '');
  if (d.value.status !== OrderStatus.confirmed || !(refunded > 0) || !Number.isFinite(total)) return;
  if (refunded >= total) d.value.status = OrderStatus.refunded;
  else d.value.total = round(total - refunded);
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export const derivations = {
  /** name: first and last name joined. */
  fullName: {
    field: 'name',
    from: 'first and last name',
    run: (d: Draft) => {
      if (!blank(d.value.name as string | undefined)) return;
      const name = [d.scratch.first_name, d.scratch.last_name].filter((p) => !blank(p)).map((p) => p!.trim());
      if (name.length) d.value.name = name.join(' ');
    },
  },
  /** Consent given as yes/no: a statement as of the export file's time. */
  consentAsOfFile: {
    field: 'consent.*.at',
    from: "the file's time (consent columns carry none)",
    run: (d: Draft, ctx: DeriveContext) => {
      const consent = d.value.consent as Record<string, Record<string, unknown>> | undefined;
      for (const statement of Object.values(consent ?? {})) {
        if (statement.granted === undefined) continue;
        statement.at ??= ctx.fileTime;
        statement.source ??= ctx.source;
      }
    },
  },
  shopifyStatus: {
    field: 'status, total',
    from: 'Cancelled at, Financial Status and Refunded Amount',
    run: shopifyStatus,
  },
  wooStatus: { field: 'status, total', from: 'status and refunded_total', run: wooStatus },
  /** A line without a SKU: `custom:<its name>`, as the Shopify webhook names such lines. */
  lineSkuFromName: {
    field: 'lines.sku',
    from: 'the line item name where the SKU is empty',
    run: (d: Draft) => {
      for (const l of d.lines)
        if (blank(l.value.sku as string | undefined) && !blank(l.scratch.name))
          l.value.sku = `custom:${l.scratch.name!.trim()}`;
    },
  },
  /** WooCommerce gives a line's totals: the unit price before discounts, and the discount, from them. */
  wooLineAmounts: {
    field: 'lines.unit_price, lines.line_discount',
    from: 'item_subtotal, item_total and item_quantity',
    run: (d: Draft) => {
      for (const l of d.lines) {
        const qty = Number(l.value.quantity);
        const subtotal = Number(l.scratch.subtotal ?? l.scratch.total ?? '');
        const total = Number(l.scratch.total ?? '');
        if (!(qty > 0) || !Number.isFinite(subtotal) || blank(l.scratch.subtotal ?? l.scratch.total)) continue;
        l.value.unit_price = round(subtotal / qty);
        if (!blank(l.scratch.total) && Number.isFinite(total) && subtotal > total)
          l.value.line_discount = round(subtotal - total);
      }
    },
  },
  /** An order without a total column: the sum of its lines. */
  totalFromLines: {
    field: 'total',
    from: 'the lines (quantity × unit price − discounts) where no total is given',
    run: (d: Draft) => {
      if (!blank(d.value.total as string | undefined) || !d.lines.length) return;
      let sum = 0;
      for (const l of d.lines) {
        const q = Number(l.value.quantity);
        const p = Number(l.value.unit_price);
        if (!Number.isFinite(q) || !Number.isFinite(p)) return; // the line's own error says why
        sum += q * p - (Number(l.value.line_discount ?? 0) || 0);
      }
      d.value.total = round(sum - (Number(d.value.discount_total ?? 0) || 0));
    },
  },
} as const satisfies Record<string, { field: string; from: string; run: (d: Draft, ctx: DeriveContext) => void }>;
export type DerivationName = keyof typeof derivations;
