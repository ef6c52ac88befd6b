import { describe, expect, it } from 'vitest';
import { Customer, Event, Order } from './model.js';
import { toUtcIso } from './normalise.js';

describe('record schemas', () => {
  it('treats blank strings in JSON as "not given", like empty CSV cells', () => {
    const c = Customer.parse({ id: 'c1', email: '', phone: ' ', birthday: '', country: '', age: '' });
    expect(c).toMatchObject({ id: 'c1' });
    expect(c.email).toBeUndefined();
    expect(c.phone).toBeUndefined();
    expect(c.age).toBeUndefined();
  });

  it('normalises emails and phones (E.164 by the customer country)', () => {
    const c = Customer.parse({ id: 'c1', email: ' Ann@Example.COM ', phone: '0151 2345 6789', country: 'de' });
    expect(c.email).toBe('ann@example.com');
    expect(c.phone).toBe('+4915123456789');
    expect(c.country).toBe('DE');
  });

  it('names the field at fault', () => {
    const r = Customer.safeParse({
      id: 'c1',
      phone: '12',
      timezone: 'Mars/Base',
      consent: { sms: { granted: 'maybe', at: '2024-13-01' } },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['timezone', 'consent.sms.granted', 'consent.sms.at']));
  });

  it('requires an order to name its buyer somehow', () => {
    const r = Order.safeParse({ id: 'o1', location_id: 'online', placed_at: '2024-01-01', currency: 'EUR', total: 5 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe('an order needs customer_id, customer_email or customer_phone');
  });

  it('checks the properties of built-in event types', () => {
    const r = Event.safeParse({
      message_id: 'm',
      customer_id: 'c',
      type: 'page_view',
      occurred_at: '2024-01-01T00:00:00Z',
      properties: {},
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['properties', 'page_kind']);
    expect(
      Event.safeParse({ message_id: 'm', customer_id: 'c', type: 'my_custom', occurred_at: '2024-01-01T00:00:00Z' })
        .success,
    ).toBe(true);
  });

  it('reads times with offsets, local times as UTC, dates and YYYYMMDD; rejects impossible dates', () => {
    expect(toUtcIso('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(toUtcIso('2024-05-01 12:00')).toBe('2024-05-01T12:00:00.000Z');
    expect(toUtcIso('20240501')).toBe('2024-05-01T00:00:00.000Z');
    expect(toUtcIso('2024-02-30')).toBeUndefined();
    expect(toUtcIso('yesterday')).toBeUndefined();
  });
});
