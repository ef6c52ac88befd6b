import { describe, expect, it } from 'vitest';
import { findReadySegment, readySegmentText, type ReadySegment } from './library.js';

const ready = (id: string): ReadySegment => {
  const s = findReadySegment(id);
  if (!s) throw new Error(`no ready segment ${id}`);
  return s;
};

describe('ready segment parameters', () => {
  it('fills in the given values and the defaults of the others', () => {
    expect(readySegmentText(ready('loyal'), { days: '60' })).toBe(
      'order_count >= 4 and last_order_at within last 60 days',
    );
  });

  it('refuses a parameter the segment does not have, naming the closest and all it has', () => {
    expect(() => readySegmentText(ready('loyal'), { day: '60' })).toThrow(
      'the ready segment "loyal" has no parameter "day"; did you mean "days"? (its parameters: orders, days)',
    );
    expect(() => readySegmentText(ready('loyal'), { colour: 'red' })).toThrow(
      'the ready segment "loyal" has no parameter "colour" (its parameters: orders, days)',
    );
    expect(() => readySegmentText(ready('one-time-buyers'), { days: 5 })).toThrow(
      'the ready segment "one-time-buyers" takes no parameters (got "days")',
    );
  });

  it('refuses a number parameter given something else', () => {
    expect(() => readySegmentText(ready('loyal'), { days: 'sixty' })).toThrow(
      'the parameter "days" of the ready segment "loyal" takes a number, got "sixty"',
    );
    expect(() => readySegmentText(ready('loyal'), { days: ' ' })).toThrow('takes a number');
  });
});
