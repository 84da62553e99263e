// The training ETA tile (src/ui/train/format.ts trainEtaSeconds): steps left x batch x recent seconds per example,
// where the first step record (which carries the worker's start-up and pipeline compiles) does not count.
import { describe, expect, it } from 'vitest';
import { trainEtaSeconds } from '../../src/ui/train/format';

const run = (eps: number[], step0 = 2) => ({
  steps: eps.map((examplesPerSecond, i) => ({ step: step0 * (i + 1), examplesPerSecond })),
  dataset: { train: 320 }, // 10 steps of 32 per epoch
  options: { batchSize: 32, epochs: 3 },
});

describe('trainEtaSeconds', () => {
  it('is NaN until a second step record arrives', () => {
    expect(trainEtaSeconds(run([]))).toBeNaN();
    expect(trainEtaSeconds(run([1]))).toBeNaN();
  });

  it('counts the steps left at the recent speed, not the slow first record', () => {
    // 30 steps in all; at step 6, 24 are left, 32 examples each at 16 examples/s = 2 s a step.
    expect(trainEtaSeconds(run([0.5, 16, 16]))).toBeCloseTo(48, 6);
    // A mix of speeds: mean seconds per example (1/8 + 1/16) / 2.
    expect(trainEtaSeconds(run([0.5, 8, 16]))).toBeCloseTo(24 * 32 * ((1 / 8 + 1 / 16) / 2), 6);
  });

  it('never goes below zero past the last step (early stopping, rounding)', () => {
    expect(trainEtaSeconds(run([4, 4, 4], 15))).toBe(0);
  });
});
