import { describe, expect, it } from 'vitest';
import { clipScale, globalGradNorm } from '../../reference/grad-norm';

describe('reference global gradient norm and clip scale', () => {
  it('norm over several tensors', () => {
    expect(globalGradNorm([[3], [0, 4]])).toBe(5);
    expect(globalGradNorm([[1, 2, 2], [], [-4]])).toBeCloseTo(5, 15);
    expect(globalGradNorm([])).toBe(0);
  });
  it('clip scale = min(1, maxNorm / (norm + 1e-6)); maxNorm <= 0 or Infinity disables clipping', () => {
    expect(clipScale(10, 1)).toBeCloseTo(1 / (10 + 1e-6), 15);
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(10, 0)).toBe(1);
    expect(clipScale(10, -1)).toBe(1);
    expect(clipScale(10, Infinity)).toBe(1);
    expect(clipScale(0, 1)).toBe(1);
  });
});
