import { describe, expect, it } from 'vitest';
import { activationBackward, activationForward } from '../../reference/activation';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { randn } from '../helpers/rng';

describe('reference relu / tanh', () => {
  it('forward values', () => {
    expect([...activationForward('relu', Float64Array.from([-2, 0, 3]))]).toEqual([0, 0, 3]);
    const t = activationForward('tanh', Float64Array.from([0, 1, -30]));
    expect(t[0]).toBe(0);
    expect(t[1]).toBeCloseTo(0.7615941559557649, 15);
    expect(t[2]).toBe(-1);
  });
  for (const kind of ['relu', 'tanh'] as const) {
    it(`${kind} backward (from y) matches central finite differences`, () => {
      const x = randn(101, 3, 2);
      // keep relu's kink away from the FD stencil
      if (kind === 'relu') for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) < 1e-4) x[i] = 0.5;
      const w = randn(101, 4);
      const dX = activationBackward(kind, activationForward(kind, x), w);
      const r = compareGrads(dX, finiteDifference(x, () => dot(activationForward(kind, x), w)), 1e-8, 1e-6);
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }
  it('relu has slope 0 at exactly 0; tanh slope 1 at 0 and 0 far out', () => {
    expect([...activationBackward('relu', Float64Array.from([0]), Float64Array.from([5]))]).toEqual([0]);
    const x = Float64Array.from([0, 40]);
    expect([...activationBackward('tanh', activationForward('tanh', x), Float64Array.from([1, 1]))]).toEqual([1, 0]);
  });
});
