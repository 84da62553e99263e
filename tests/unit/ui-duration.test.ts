// The studio's duration text (src/ui/train/format.ts duration): seconds are rounded before they are split into
// minutes, so 479.6 s reads "8 min 0 s", never "7 min 60 s" (seen in the Train card's run-sizing note).
import { describe, expect, it } from 'vitest';
import { duration } from '../../src/ui/train/format';

describe('duration', () => {
  it('never shows 60 seconds beside the minutes', () => {
    expect(duration(479.6)).toBe('8 min 0 s');
    expect(duration(119.5)).toBe('2 min 0 s');
    expect(duration(59.6)).toBe('60 s');
    expect(duration(61.2)).toBe('1 min 1 s');
  });
  it('keeps the short forms and the dash for nonsense', () => {
    expect(duration(0.25)).toBe('250 ms');
    expect(duration(4.26)).toBe('4.3 s');
    expect(duration(42.4)).toBe('42 s');
    expect(duration(Number.NaN)).toBe('–');
    expect(duration(-1)).toBe('–');
  });
});
