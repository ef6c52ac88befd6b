import { describe, expect, it } from 'vitest';
import { defaultCatalog, defaultEventCatalog, type FieldCatalog } from './catalog.js';
import { filterFieldList, toFieldList } from './field-list.js';
import { parseSegment } from './segment.js';

describe('the list of what segments can use', () => {
  const list = toFieldList();

  it('names every field of the catalog with its type, meaning and allowed values', () => {
    expect(list.fields.map((f) => f.name)).toEqual(Object.keys(defaultCatalog));
    expect(list.fields.find((f) => f.name === 'total_spent')).toEqual({
      name: 'total_spent',
      type: 'money',
      description: 'Money spent on confirmed orders',
      source: 'profile',
      measuredAtProfileRun: false,
    });
    expect(list.fields.find((f) => f.name === 'favourite_weekday')?.values).toContain('saturday');
    expect(list.fields.find((f) => f.name === 'churn_risk')?.measuredAtProfileRun).toBe(true);
    expect(list.channels).toEqual(['email', 'sms', 'whatsapp']);
  });

  it('lists only what a query accepts: each field, event and property binds without a mistake', () => {
    for (const f of list.fields) expect(parseSegment(`${f.name} is set`).diagnostics).toEqual([]);
    for (const e of list.events) {
      expect(parseSegment(`did ${e.type}`).diagnostics).toEqual([]);
      for (const p of e.properties)
        expect(parseSegment(`did ${e.type} where ${p.name} is set`).diagnostics).toEqual([]);
    }
    expect(list.events.map((e) => e.type)).toEqual(Object.keys(defaultEventCatalog));
    expect(list.events.find((e) => e.type === 'add_to_cart')?.properties.map((p) => p.name)).toEqual([
      'sku',
      'quantity',
    ]);
  });

  it('follows the catalog it is given (a store with attributes of its own)', () => {
    const catalog: FieldCatalog = {
      ...defaultCatalog,
      skin_type: { type: 'enum', values: ['dry', 'oily'], description: 'Skin type', source: 'customer' },
    };
    expect(toFieldList(catalog).fields.at(-1)).toEqual({
      name: 'skin_type',
      type: 'enum',
      values: ['dry', 'oily'],
      description: 'Skin type',
      source: 'customer',
      measuredAtProfileRun: false,
    });
  });

  it('narrows to names and meanings containing a word', () => {
    const spend = filterFieldList(list, 'SPENT');
    expect(spend.fields.map((f) => f.name)).toEqual(['total_spent', 'content_dwell_seconds', 'top_content_topic']);
    const sku = filterFieldList(list, 'sku');
    expect(sku.events.find((e) => e.type === 'add_to_cart')?.properties.map((p) => p.name)).toEqual(['sku']);
    expect(filterFieldList(list, 'cart').events.find((e) => e.type === 'add_to_cart')?.properties).toHaveLength(2);
  });

  it('is what the hint for an unknown field points to', () => {
    const [d] = parseSegment('qwertyuiop > 3').diagnostics;
    expect(d?.code).toBe('unknown-field');
    expect(d?.hint).toContain('`strata fields`');
  });
});
