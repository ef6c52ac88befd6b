import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './did-you-mean.js';

describe('editDistance (Damerau–Levenshtein)', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['total_spent', 'total_spent', 0],
    ['totl_spent', 'total_spent', 1],
    ['totla_spent', 'total_spent', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
  ])('%s → %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closest', () => {
  const fields = ['total_spent', 'order_count', 'aov', 'city', 'country'];
  it('suggests plausible typos only', () => {
    expect(closest('totl_spent', fields)).toBe('total_spent');
    expect(closest('TOTAL_SPENT', fields)).toBe('total_spent');
    expect(closest('contry', fields)).toBe('country');
    expect(closest('aob', fields)).toBe('aov');
    expect(closest('revenue', fields)).toBeUndefined();
    expect(closest('x', fields)).toBeUndefined();
  });
});
