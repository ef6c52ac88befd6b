import { describe, expect, it } from 'vitest';
import { jsonDepthLimit, storeNumberRanges } from './fields.js';
import { Customer, Event, OrderLineRow, Product } from './model.js';

const line = (quantity: unknown, extra: Record<string, unknown> = {}) =>
  OrderLineRow.safeParse({ order_id: 'o1', sku: 'A', unit_price: 1, quantity, ...extra });
const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('numbers the store can keep', () => {
  it('says what is wrong with a quantity, not just "must be a number"', () => {
    expect(messages(line(-1))).toEqual(['quantity: must be ≥ 1']);
    expect(messages(line('0'))).toEqual(['quantity: must be ≥ 1']);
    expect(messages(line(1.5))).toEqual(['quantity: must be a whole number']);
    expect(messages(line('two'))).toEqual(['quantity: must be a number']);
    expect(messages(line(99999999999))).toEqual(['quantity: must be ≤ 2,147,483,647']);
    expect(messages(line('99999999999999999999'))).toEqual(['quantity: must be ≤ 2,147,483,647']);
    expect(line(storeNumberRanges.integer.max).success).toBe(true);
  });

  it('keeps amounts within the money columns, 14 digits before the point', () => {
    expect(messages(line(1, { unit_price: 1e14 }))).toEqual(['unit_price: must be below 100,000,000,000,000']);
    expect(messages(line(1, { unit_price: '1e300' }))).toEqual(['unit_price: must be below 100,000,000,000,000']);
    expect(messages(line(1, { unit_price: -0.01 }))).toEqual(['unit_price: must be ≥ 0']);
    expect(line(1, { unit_price: 99_999_999_999_999.98 }).success).toBe(true);
    const product = (consumption_days: unknown) =>
      Product.safeParse({ sku: 'A', name: 'Mug', category: 'home', price: 5, consumption_days });
    expect(messages(product(2 ** 31))).toEqual(['consumption_days: must be ≤ 2,147,483,647']);
  });
});

describe('text the store can keep', () => {
  const event = (properties: unknown, extra: Record<string, unknown> = {}) =>
    Event.safeParse({
      message_id: 'm1',
      customer_id: 'c1',
      type: 'note',
      occurred_at: '2026-01-01T00:00:00Z',
      properties,
      ...extra,
    });

  it('refuses a lone surrogate anywhere, naming the field and the character', () => {
    expect(messages(Customer.safeParse({ id: 'c1', name: 'Ann \ud800' }))).toEqual([
      'name: has a lone surrogate \\uD800 at character 5: not valid Unicode text',
    ]);
    expect(messages(event({ a: [{ b: 'x\udc00' }] }))).toEqual([
      'properties.a.0.b: has a lone surrogate \\uDC00 at character 2: not valid Unicode text',
    ]);
    expect(messages(event({ ['k\ud83d']: 1 }))).toEqual([
      'properties.k\ud83d: the key has a lone surrogate \\uD83D at character 2: not valid Unicode text',
    ]);
    expect(messages(event({}, { customer_id: '\ud800' }))).toEqual([
      'customer_id: has a lone surrogate \\uD800 at character 1: not valid Unicode text',
    ]);
    expect(messages(Customer.safeParse({ id: 'c1', attributes: '{"a":"\\ud800"}' }))).toEqual([
      'attributes.a: has a lone surrogate \\uD800 at character 1: not valid Unicode text',
    ]);
  });

  it('keeps a surrogate pair (an emoji) as it is', () => {
    const r = event({ mood: '😀' }, { customer_id: 'c😀' });
    expect(r.success && r.data.properties).toEqual({ mood: '😀' });
  });

  it('refuses JSON nested deeper than the limit without a stack overflow', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(messages(event({ deep }))).toEqual([
      `properties.deep.${Array(jsonDepthLimit - 1)
        .fill(0)
        .join('.')}: nested more than ${jsonDepthLimit} levels deep`,
    ]);
    let ok: unknown = 1;
    for (let i = 0; i < jsonDepthLimit - 2; i++) ok = { a: ok };
    expect(event({ ok }).success).toBe(true);
  });
});
