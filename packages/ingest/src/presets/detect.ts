import type { Preset } from './preset.js';
import { shopifyCustomers, shopifyOrders } from './shopify-csv.js';
import { wooCustomers, wooOrders } from './woocommerce-csv.js';

/** Every shop export a preset reads, by `--from` name. */
export const shopPresets = {
  shopify: [shopifyCustomers, shopifyOrders],
  woocommerce: [wooCustomers, wooOrders],
} as const satisfies Record<string, readonly Preset[]>;

/** The shop export a header is (all of its distinguishing columns present), if any. */
export function exportOf(header: readonly string[]): Preset | undefined {
  const present = new Set(header);
  return Object.values(shopPresets)
    .flat()
    .find((p) => p.signature.every((c) => present.has(c)));
}
