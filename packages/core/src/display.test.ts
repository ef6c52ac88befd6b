import { describe, expect, it } from 'vitest';
import { displayValue, formatNumber } from './display.js';

describe('values shown to people', () => {
  it('rounds floating-point noise away and groups thousands', () => {
    expect(formatNumber(25.000000000000007)).toBe('25');
    expect(formatNumber(0.20965842)).toBe('0.21');
    expect(formatNumber(2115.270000000001)).toBe('2,115.27');
    expect(formatNumber(1234567.891)).toBe('1,234,567.89');
    expect(formatNumber(-3.14159)).toBe('-3.14');
    expect(formatNumber(40)).toBe('40');
  });

  it('keeps three significant digits of a small number instead of showing 0', () => {
    expect(formatNumber(0.000057562)).toBe('0.0000576');
    expect(formatNumber(5.9e-8)).toBe('0.000000059');
    expect(formatNumber(0.057692307692307696)).toBe('0.0577');
  });

  it('shows times to the minute in UTC, lists joined, and a missing value as asked', () => {
    expect(displayValue('2026-10-23T13:37:59.123Z')).toBe('2026-10-23 13:37 UTC');
    expect(displayValue(['Coffee', 'Tea'])).toBe('Coffee, Tea');
    expect(displayValue([])).toBe('(none)');
    expect(displayValue([1 / 3, 2.5])).toBe('0.333, 2.5');
    expect(displayValue(null)).toBe('not set');
    expect(displayValue(undefined, '—')).toBe('—');
    expect(displayValue(true)).toBe('true');
    expect(displayValue({ cooking: 120 })).toBe('{"cooking":120}');
    expect(displayValue('DE')).toBe('DE');
  });
});
