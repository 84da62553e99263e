// Shared helpers of the feature-cache tests: random EncodedExamples and a float16-tolerance comparison.
import { expect } from 'vitest';
import { F16_ABS_ERROR, F16_REL_ERROR } from '../../src/encoder/f16';
import type { EncodedExample } from '../../src/encoder/types';
import { randn } from './rng';

/** A random example: tokens (length, c) ~ N(0, scale^2), pooled ~ N(0, 0.05^2); pair fields when `pair`. */
export function example(length: number, c: number, seed: number, pair = false, scale = 3): EncodedExample {
  const ex: EncodedExample = {
    tokens: Float32Array.from(randn(length * c, seed, scale)),
    length,
    pooled: Float32Array.from(randn(c, seed + 1, 0.05)),
  };
  if (pair) {
    ex.segmentA = Math.floor(length / 2);
    ex.pooledB = Float32Array.from(randn(c, seed + 2, 0.05));
  }
  return ex;
}

/** |a - b| <= float16's rounding error of a, element by element. */
export function expectF16Close(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = Math.max(F16_ABS_ERROR, F16_REL_ERROR * Math.abs(want[i]));
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} +- ${tol}`);
  }
}
