import type { BindOptions } from './binder.js';
import {
  defaultCatalog,
  defaultChannels,
  defaultEventCatalog,
  measuredAtProfileRun,
  type FieldCatalog,
  type FieldSource,
  type FieldType,
  type PropertySpec,
} from './catalog.js';

/*
 * What a segment can talk about, as a list for people and programs (`strata fields`,
 * `GET /v1/fields`): written out from the same catalog the binder checks queries against, so it
 * names exactly what a query may use.
 */

export interface PropertyListing {
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** The allowed values of an `enum`. */
  readonly values?: readonly string[];
}

export interface FieldListing extends PropertyListing {
  readonly source: FieldSource;
  /** Measured when the profiles were computed, so a segment that reads it is evaluated as of that time. */
  readonly measuredAtProfileRun: boolean;
}

export interface EventListing {
  readonly type: string;
  readonly description: string;
  readonly properties: readonly PropertyListing[];
}

export interface FieldList {
  readonly fields: readonly FieldListing[];
  readonly events: readonly EventListing[];
  /** Channels of `consent <channel>` and `can receive <channel>`. */
  readonly channels: readonly string[];
}

const property = ([name, spec]: [string, PropertySpec]): PropertyListing => ({
  name,
  type: spec.type,
  description: spec.description,
  ...(spec.values ? { values: spec.values } : {}),
});

/** Every field, event type with its properties, and consent channel a query may use, in catalog order. */
export function toFieldList(catalog: FieldCatalog = defaultCatalog, options: BindOptions = {}): FieldList {
  const events = options.events ?? defaultEventCatalog;
  return {
    fields: Object.entries(catalog).map((entry) => ({
      ...property(entry),
      source: entry[1].source,
      measuredAtProfileRun: measuredAtProfileRun.has(entry[0]),
    })),
    events: Object.entries(events).map(([type, spec]) => ({
      type,
      description: spec.description,
      properties: Object.entries(spec.properties).map(property),
    })),
    channels: options.channels ?? defaultChannels,
  };
}

/** The part of the list whose names or descriptions contain `word` (case-insensitively); an event is kept whole when it matches itself. */
export function filterFieldList(list: FieldList, word: string): FieldList {
  const w = word.toLowerCase();
  const hit = (x: { readonly description: string }, name: string) =>
    name.toLowerCase().includes(w) || x.description.toLowerCase().includes(w);
  return {
    fields: list.fields.filter((f) => hit(f, f.name)),
    events: list.events.flatMap((e) => {
      if (hit(e, e.type)) return [e];
      const properties = e.properties.filter((p) => hit(p, p.name));
      return properties.length ? [{ ...e, properties }] : [];
    }),
    channels: list.channels.filter((c) => c.toLowerCase().includes(w)),
  };
}
