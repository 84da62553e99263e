// The one-minute sample the studio proposes on a CPU adapter, from a step time measured before the run.
import { describe, expect, it } from 'vitest';
import { sampleForSeconds } from '../../src/store/train-form';

describe('sampleForSeconds', () => {
  it('proposes a round sample that fits the time, at least 10 per label, and nothing when the run already fits', () => {
    // 0.5 s per step of 32, 10 epochs: 60 s = 12 steps per epoch = 384 examples -> 350.
    expect(sampleForSeconds(0.5, 32, 10, 600, 2)).toBe(350);
    expect(sampleForSeconds(0.5, 32, 10, 300, 2)).toBeNull();
    expect(sampleForSeconds(5, 8, 10, 600, 20)).toBe(200); // fits 9: the 10-per-label floor wins
    expect(sampleForSeconds(0.01, 32, 1, 1_000_000, 2)).toBe(192_000);
    expect(sampleForSeconds(Number.NaN, 32, 1, 100, 2)).toBeNull();
  });
});
