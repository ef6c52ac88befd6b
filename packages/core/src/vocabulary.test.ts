import { describe, expect, it } from 'vitest';
import { ageGroupEnds, rfmScores, rfmSegmentGrid, rfmSegments } from './vocabulary.js';

describe('vocabulary', () => {
  it('gives every RFM segment to at least one (R, FM) cell, so none is offered that no buyer can be in', () => {
    const named = new Set(rfmScores.flatMap((r) => rfmSegmentGrid[r]));
    expect([...named].sort()).toEqual([...rfmSegments].sort());
  });

  it('orders the age groups by age, the last one open-ended', () => {
    const ends = Object.values(ageGroupEnds);
    expect(ends.at(-1)).toBeNull();
    const bounded = ends.slice(0, -1) as number[];
    expect(bounded).toEqual([...bounded].sort((a, b) => a - b));
    expect(new Set(bounded).size).toBe(bounded.length);
  });
});
