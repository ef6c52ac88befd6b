import { describe, expect, it } from 'vitest';
import { emptyRow, operatorsOf, rowsOf, textOf, type FilterGroup } from '../src/filter-rows.js';

/*
 * The filter rows and the text say the same thing: a query the rows can show comes back from them
 * as the same query, rows write text the language reads, and what the rows cannot show is refused
 * with the reason (the text editor stays in charge of it).
 */

const roundTrip = (text: string) => {
  const r = rowsOf(text);
  if (!r.ok) throw new Error(r.reason);
  return textOf(r.root);
};

describe('filter rows', () => {
  it('show a query of field conditions as rows and write it back unchanged', () => {
    const text = 'total_spent in top 10% and last_order_at before 60 days ago';
    const r = rowsOf(text);
    expect(r).toEqual({
      ok: true,
      root: {
        kind: 'group',
        join: 'and',
        items: [
          { kind: 'row', field: 'total_spent', op: 'in top', value: '10%' },
          { kind: 'row', field: 'last_order_at', op: 'before', value: '60 days ago' },
        ],
      },
    });
    expect(roundTrip(text)).toBe(text);
    for (const q of [
      'country = "DE" or (age between 20 and 30 and newsletter)',
      'rfm_segment in ["champions", "loyal"]',
      'total_spent between p25 and p75 of matching',
      'city contains "ber" and email is set',
    ])
      expect(roundTrip(q)).toBe(q);
  });

  it('quote a text value the owner types plainly, and show it unquoted', () => {
    const root: FilterGroup = {
      kind: 'group',
      join: 'or',
      items: [
        { kind: 'row', field: 'city', op: '=', value: 'Saint "Malo"' },
        {
          kind: 'group',
          join: 'and',
          items: [{ kind: 'row', field: 'order_count', op: '>=', value: '2' }, emptyRow()],
        },
      ],
    };
    const text = textOf(root);
    expect(text).toBe('city = "Saint \\"Malo\\"" or order_count >= 2');
    const back = rowsOf(text);
    expect(back.ok && back.root.items[0]).toEqual({ kind: 'row', field: 'city', op: '=', value: 'Saint "Malo"' });
  });

  it('say why a query cannot be rows', () => {
    expect(rowsOf('did add_to_cart within last 7 days')).toEqual({
      ok: false,
      reason: '“did add_to_cart within last 7 days” is not a field condition',
    });
    expect(rowsOf('order_count >= and')).toMatchObject({ ok: false, reason: expect.stringMatching(/mistake/) });
  });

  it('offer the language operators for the field type, percentiles for numbers', () => {
    expect(operatorsOf('total_spent')).toEqual(expect.arrayContaining(['>=', 'between', 'in top', 'in bottom']));
    expect(operatorsOf('last_order_at')).toEqual(expect.arrayContaining(['before', 'within last']));
    expect(operatorsOf('last_order_at')).not.toContain('in top');
  });
});
