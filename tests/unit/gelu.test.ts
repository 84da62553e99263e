import { describe, expect, it } from 'vitest';
import { erf, erfc, geluBackward, geluForward, normalCdf } from '../../reference/gelu';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { randn } from '../helpers/rng';

describe('reference erf / erfc (float64)', () => {
  it('matches known values to ~1e-15', () => {
    const known: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-3, -0.9999779095030014],
      [3.5, 0.9999992569016276],
    ];
    for (const [x, v] of known) expect(Math.abs(erf(x) - v), `erf(${x})`).toBeLessThanOrEqual(1e-15);
    expect(erf(0)).toBe(0);
    expect(erf(1e-10)).toBeCloseTo(1.1283791670955126e-10, 24);
  });
  it('erfc is relatively accurate in the tail', () => {
    const known: [number, number][] = [
      [1, 0.15729920705028513],
      [2.5, 4.06952017444959e-4],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, v] of known) expect(Math.abs(erfc(x) - v) / v, `erfc(${x})`).toBeLessThanOrEqual(1e-14);
    expect(erfc(-2)).toBeCloseTo(2 - 0.004677734981047266, 15);
  });
  it('is odd, and continuous across its method switches', () => {
    for (const x of [0.3, 1.2, 2.9, 3.1, 7]) expect(erf(-x)).toBe(-erf(x));
    for (const a of [1.5, 3]) {
      const lo = a - 1e-9;
      // |erf'| <= 2/sqrt(pi): a jump would show as a difference far above 1.2e-9
      expect(Math.abs(erf(a) - erf(lo))).toBeLessThanOrEqual(1.2e-9 + 1e-15);
      expect(Math.abs(erfc(a) - erfc(lo))).toBeLessThanOrEqual(1.2e-9 + 1e-15);
    }
    expect(erf(40)).toBe(1);
    expect(erf(-40)).toBe(-1);
  });
  it('normalCdf is 0.5 at 0 and Phi(-x) = 1 - Phi(x)', () => {
    expect(normalCdf(0)).toBe(0.5);
    for (const x of [0.7, 1.9, 4.2]) expect(normalCdf(-x) + normalCdf(x)).toBeCloseTo(1, 15);
  });
});

describe('reference gelu', () => {
  it('forward matches known values of x * Phi(x)', () => {
    // PyTorch: torch.nn.functional.gelu(torch.tensor([1., -1., 2.], dtype=torch.float64))
    const y = geluForward(Float64Array.from([1, -1, 2, 0]));
    expect(y[0]).toBeCloseTo(0.8413447460685429, 15);
    expect(y[1]).toBeCloseTo(-0.15865525393145707, 15);
    expect(y[2]).toBeCloseTo(1.9544997361036416, 15);
    expect(y[3]).toBe(0);
  });
  it("is the function of BERT's ONNX Erf pattern, 0.5 * x * (1 + erf(x / sqrt(2)))", () => {
    // Hugging Face BERT exports (and tools/tiny-bert/graph.ts) write GELU as Div/Mul -> Erf -> Add 1 -> Mul x -> Mul 0.5.
    const x = randn(400, 9, 3);
    const y = geluForward(x);
    for (let i = 0; i < x.length; i++) {
      const onnx = 0.5 * x[i] * (1 + erf(x[i] / Math.SQRT2));
      expect(Math.abs(y[i] - onnx), `x = ${x[i]}`).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(x[i])));
    }
  });
  it('backward matches central finite differences', () => {
    const n = 101;
    const x = randn(n, 7, 2.5);
    x[0] = 0;
    x[1] = 6;
    x[2] = -6;
    const w = randn(n, 8);
    const dX = geluBackward(x, w);
    const loss = () => dot(geluForward(x), w);
    const r = compareGrads(dX, finiteDifference(x, loss), 1e-8, 1e-6);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('is finite at x = +-20 with y = x, 0 and slope 1, 0 there', () => {
    const x = Float64Array.from([20, -20]);
    const y = geluForward(x);
    const dX = geluBackward(x, Float64Array.from([1, 1]));
    expect(y[0]).toBe(20);
    expect(Math.abs(y[1])).toBeLessThan(1e-80);
    expect(dX[0]).toBe(1);
    expect(Math.abs(dX[1])).toBeLessThan(1e-80);
    for (const v of [...y, ...dX]) expect(Number.isFinite(v)).toBe(true);
  });
});
