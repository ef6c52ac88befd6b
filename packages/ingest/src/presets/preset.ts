/*
 * A preset reads a shop system's own export (Shopify's, WooCommerce's) or any file with a column
 * map (`--map`). Each is data: which column goes to which field, a few named transforms for cells
 * and a few named derivations for records (presets/transforms.ts). This module turns a file's
 * rows into records of one entity through a preset, and says what it did with every column.
 */
import type { Entity } from '@strata/core';
import type { DerivationName, TransformName } from './transforms.js';

/** One column of an export and the field(s) its value goes to. */
export interface ColumnRule {
  /** The column's name; more than one when versions of the export name it differently (first present wins). */
  column: string | readonly string[];
  /**
   * Where the value goes: a field of the record (`email`, `shipping_address.city`), `lines.<field>`
   * for the order line the row holds, or `$name` (`lines.$name`) for a value only a derivation reads.
   */
  to: string | readonly string[];
  transform?: TransformName;
}

export interface Preset {
  /** What `--from` names: shopify, woocommerce, generic. */
  source: string;
  /** What the summary calls the file: "Shopify orders export". */
  layout: string;
  entity: Extract<Entity, 'customers' | 'orders'>;
  /** Columns that tell this export apart: a header with all of them is this layout. */
  signature: readonly string[];
  /** Columns without which nothing can be imported (alternatives in a list). */
  required: readonly (string | readonly string[])[];
  columns: readonly ColumnRule[];
  /** Orders: the column that is the same on every row of one order; rows of an order must be together. */
  groupBy?: string | readonly string[];
  /** Applied to each record after its columns are mapped, in this order. */
  derive: readonly DerivationName[];
  /** Columns of the export that Strata does not keep, with the reason the summary gives. */
  ignored: Readonly<Record<string, string>>;
}

/** What a preset did with a file's columns, as the import summary reports it. */
export interface PresetMapping {
  from: string;
  layout: string;
  /** Each column read, and the field(s) it went to. */
  mapped: { column: string; field: string }[];
  /** Fields worked out from other columns (or given a default), and from what. */
  derived: { field: string; from: string }[];
  /** Columns of the file that were not read, and why. */
  ignored: { column: string; reason: string }[];
  /** Data rows of the file (an order may take several). */
  rows?: number;
}

export const names = (c: string | readonly string[]): readonly string[] => (typeof c === 'string' ? [c] : c);
