import { describe, expect, it } from 'vitest';
import { addAccumulate, addBackward, addForward } from '../../reference/add';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { randn } from '../helpers/rng';

describe('reference add', () => {
  it('backward matches central finite differences', () => {
    const n = 37;
    const a = randn(n, 1);
    const b = randn(n, 2);
    const w = randn(n, 3);
    const { dA, dB } = addBackward(w);
    const loss = () => dot(addForward(a, b), w);
    expect(compareGrads(dA, finiteDifference(a, loss), 1e-7, 1e-6).ok).toBe(true);
    expect(compareGrads(dB, finiteDifference(b, loss), 1e-7, 1e-6).ok).toBe(true);
  });
  it('accumulate sums in place', () => {
    const acc = Float64Array.from([1, 2, 3]);
    addAccumulate(acc, Float64Array.from([0.5, -2, 10]));
    expect([...acc]).toEqual([1.5, 0, 13]);
  });
});
