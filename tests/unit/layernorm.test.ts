import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { layerNormBackward, layerNormForward } from '../../reference/layernorm';
import { randn } from '../helpers/rng';

function check(x: Float64Array, rows: number, dim: number, eps: number, seed: number) {
  const gamma = randn(dim, seed + 1, 1);
  for (let j = 0; j < dim; j++) gamma[j] += 1;
  const beta = randn(dim, seed + 2, 0.5);
  const w = randn(rows * dim, seed + 3);
  const shape = { rows, dim };
  const fwd = layerNormForward(x, gamma, beta, shape, eps);
  const { dX, dGamma, dBeta } = layerNormBackward(x, gamma, fwd.mean, fwd.rstd, w, shape);
  const loss = () => dot(layerNormForward(x, gamma, beta, shape, eps).y, w);
  for (const [name, analytic, wrt] of [
    ['dX', dX, x],
    ['dGamma', dGamma, gamma],
    ['dBeta', dBeta, beta],
  ] as const) {
    const r = compareGrads(analytic, finiteDifference(wrt, loss), 1e-6, 1e-5);
    expect(r.ok, `${name}: ${JSON.stringify(r)}`).toBe(true);
  }
  return { fwd, dX, gamma, beta };
}

describe('reference layer norm', () => {
  it('forward normalises each row: mean 0, variance 1/(1+eps/var) before the affine part', () => {
    const rows = 4;
    const dim = 9;
    const x = randn(rows * dim, 1, 3);
    const ones = new Float64Array(dim).fill(1);
    const { y, mean, rstd } = layerNormForward(x, ones, new Float64Array(dim), { rows, dim }, 0);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      let s2 = 0;
      for (let j = 0; j < dim; j++) {
        s += y[r * dim + j];
        s2 += y[r * dim + j] ** 2;
      }
      expect(Math.abs(s / dim)).toBeLessThan(1e-14);
      expect(s2 / dim).toBeCloseTo(1, 12);
      expect(rstd[r]).toBeGreaterThan(0);
      expect(Number.isFinite(mean[r])).toBe(true);
    }
  });
  it('backward matches central finite differences, R=37, D=70 (eps 1e-5)', () => {
    check(randn(37 * 70, 10, 2), 37, 70, 1e-5, 10);
  });
  it('backward matches central finite differences with eps 1e-6 and a large row offset', () => {
    const x = randn(5 * 33, 20);
    for (let i = 0; i < 33; i++) x[i] += 50;
    check(x, 5, 33, 1e-6, 20);
  });
  it('D=1: y = beta, dX = 0', () => {
    const x = randn(6, 30, 4);
    const { fwd, dX, beta } = check(x, 6, 1, 1e-5, 30);
    for (let r = 0; r < 6; r++) {
      expect(fwd.y[r]).toBe(beta[0]);
      expect(fwd.mean[r]).toBe(x[r]);
      expect(dX[r]).toBe(0);
    }
  });
  it('constant rows: y = beta and rstd = 1/sqrt(eps); gradients still match finite differences', () => {
    const rows = 3;
    const dim = 11;
    const x = new Float64Array(rows * dim);
    for (let r = 0; r < rows; r++) x.fill([0.3, -7, 0][r], r * dim, (r + 1) * dim);
    const { fwd, beta } = check(x, rows, dim, 1e-5, 40);
    for (let i = 0; i < rows * dim; i++) expect(Math.abs(fwd.y[i] - beta[i % dim])).toBeLessThan(1e-12);
    for (let r = 0; r < rows; r++) expect(fwd.rstd[r]).toBeCloseTo(1 / Math.sqrt(1e-5), 9);
  });
});
