import { describe, expect, it } from 'vitest';
import { durationUnits, itemKinds } from './ast.js';
import { completeAt } from './completions.js';
import { parseSegment } from './segment.js';
import { UNIT_WORDS } from './vocabulary.js';

const labels = (text: string, offset = text.length, segments?: readonly string[]) =>
  completeAt(text, offset, undefined, segments ? { segments } : {}).items.map((i) => i.label);

describe('completeAt', () => {
  it('offers fields and condition keywords at the start', () => {
    const items = labels('');
    expect(items).toContain('total_spent');
    expect(items).toContain('bought');
    expect(items).toContain('has tag');
    expect(completeAt('', 0).items.find((i) => i.label === 'total_spent')).toEqual({
      label: 'total_spent',
      kind: 'field',
      detail: 'money — Money spent on confirmed orders',
    });
  });

  it('filters by the word being typed and replaces it', () => {
    const r = completeAt('age > 3 and tot', 15);
    expect(r.from).toBe(12);
    expect(r.to).toBe(15);
    expect(r.items.map((i) => i.label)).toEqual(['total_spent']);
    expect(labels('spent')).toEqual(['total_spent']);
  });

  it('offers operators that fit the field type', () => {
    expect(labels('total_spent ')).toEqual([
      '=',
      '!=',
      '<',
      '<=',
      '>',
      '>=',
      'in',
      'not in',
      'between',
      'is set',
      'is not set',
      'in top',
      'in bottom',
    ]);
    expect(labels('city ')).toContain('starts with');
    expect(labels('city ')).not.toContain('<');
    expect(labels('last_order_at ')).toContain('within last');
    expect(labels('last_order_at w')).toEqual(['within last', 'within next']);
  });

  it('offers enum values, also inside quotes and lists', () => {
    expect(labels('churn_risk = ')).toEqual(['"low"', '"medium"', '"high"']);
    expect(labels('rfm_segment = "Ch')).toEqual(['"Champions"']);
    expect(completeAt('rfm_segment = "Ch', 17).from).toBe(14);
    expect(labels('rfm_segment in ["Lost", "L')).toEqual(['"Loyal"', '"Lost"']);
    expect(labels('came_by_referral = ')).toEqual(['true', 'false']);
  });

  it('offers events, their properties and property values', () => {
    expect(labels('did ')).toContain('page_view');
    expect(labels('did page_view where ')).toEqual(['not', 'page_kind', 'url', 'category', 'sku']);
    expect(labels('did page_view where (page_kind = "home" and ')).toContain('page_kind');
    expect(labels('did page_view where page_kind = "home" and ')).toContain('total_spent');
    expect(labels('did page_view where page_kind = ')).toContain('"demo_video"');
    expect(labels('did add_to_cart then ')).toContain('not');
  });

  it('offers modifiers after purchases and events', () => {
    expect(labels('bought ')).toEqual(expect.arrayContaining(['category', 'at least', 'within last']));
    expect(labels('bought category "coffee" ')).toEqual([
      'at least',
      'at most',
      'exactly',
      'for at least',
      'within last',
      'before',
      'after',
      'between',
      'and',
      'or',
    ]);
    expect(labels('did add_to_cart ')).toContain('then');
    expect(labels('total_spent > 100 ')).toEqual(['and', 'or']);
    expect(labels('bought at least 2 ')).toEqual(['times']);
  });

  it('offers units, channels, tags and segments', () => {
    expect(labels('last_order_at within last 30 ')).toEqual(['minutes', 'hours', 'days', 'weeks', 'months', 'years']);
    expect(labels('last_order_at before 30 d')).toEqual(['days']);
    expect(labels('last_order_at before 30 days ')).toEqual(['ago', 'from now', 'and', 'or']);
    expect(labels('consent ')).toEqual(['email', 'sms', 'whatsapp']);
    expect(labels('can ')).toEqual(['receive']);
    expect(labels('has ')).toEqual(['tag', 'any tag', 'all tags']);
    expect(labels('in segment ', undefined, ['loyal', 'vip'])).toEqual(['"loyal"', '"vip"']);
    expect(labels('total_spent in ')).toEqual(['[', 'top', 'bottom']);
  });

  it('offers every unit and purchase item of the language, each one the parser reads', () => {
    // from the language's own lists, so a unit or item kind added there is offered too
    const units = labels('last_order_at within last 30 ');
    expect(units.map((u) => UNIT_WORDS[u])).toEqual(durationUnits);
    for (const u of units) expect(parseSegment(`last_order_at within last 30 ${u}`).diagnostics).toEqual([]);
    expect(labels('bought ')).toEqual(expect.arrayContaining([...itemKinds]));
    for (const item of itemKinds) expect(parseSegment(`bought ${item} "x"`).diagnostics).toEqual([]);
  });

  it('clamps the offset and completes mid-text', () => {
    expect(completeAt('x', 99).to).toBe(1);
    expect(labels('tot and age > 3', 3)).toEqual(['total_spent']);
  });
});
