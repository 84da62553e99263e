import { describe, expect, it } from 'vitest';
import { epochBatches } from '../../src/train/batches';
import { learningRate } from '../../src/train/schedule';

describe('learning-rate schedule', () => {
  it('warms up linearly, then decays linearly or by cosine to minFactor', () => {
    const o = { lr: 1e-3, totalSteps: 110, warmupSteps: 10 };
    expect(learningRate(0, o)).toBeCloseTo(1e-4, 12);
    expect(learningRate(9, o)).toBeCloseTo(1e-3, 12);
    expect(learningRate(10, o)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, o)).toBeCloseTo(5e-4, 12);
    expect(learningRate(110, o)).toBeCloseTo(0, 12);
    expect(learningRate(60, { ...o, decay: 'cosine' })).toBeCloseTo(5e-4, 12);
    expect(learningRate(35, { ...o, decay: 'cosine', minFactor: 0.1 })).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4))), 12);
    expect(learningRate(80, { ...o, decay: 'constant' })).toBe(1e-3);
  });
  it('rejects nonsense', () => {
    expect(() => learningRate(0, { lr: 0, totalSteps: 10 })).toThrow(/learning rate/);
    expect(() => learningRate(0, { lr: 1, totalSteps: 0 })).toThrow(/totalSteps/);
  });
});

describe('epoch batches', () => {
  const lengths = Array.from({ length: 1000 }, (_, i) => 1 + ((i * 7919) % 120));
  it('cover every example exactly once, deterministically per (seed, epoch)', () => {
    const a = epochBatches(lengths, 32, 5, 0);
    expect(a.flat().sort((x, y) => x - y)).toEqual(lengths.map((_, i) => i));
    expect(epochBatches(lengths, 32, 5, 0)).toEqual(a);
    expect(epochBatches(lengths, 32, 5, 1)).not.toEqual(a);
    expect(epochBatches(lengths, 32, 6, 0)).not.toEqual(a);
  });
  it('group similar lengths, so padding is far below a random order', () => {
    const pad = (batches: number[][]) =>
      batches.reduce((s, b) => s + b.length * Math.max(...b.map((i) => lengths[i])) - b.reduce((t, i) => t + lengths[i], 0), 0);
    const random = Array.from({ length: Math.ceil(1000 / 32) }, (_, k) => lengths.map((_, i) => i).slice(k * 32, k * 32 + 32));
    expect(pad(epochBatches(lengths, 32, 5, 0))).toBeLessThan(0.25 * pad(random));
  });
});
