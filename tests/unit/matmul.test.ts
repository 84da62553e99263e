import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import * as ref from '../../reference/matmul';
import { randn } from '../helpers/rng';

const sizeA = (s: ref.MatmulShape) => s.batch * s.M * s.K;
const sizeB = (s: ref.MatmulShape) => (s.bBatched === false ? 1 : s.batch) * s.K * s.N;

/** Transpose each (rows, cols) matrix of a batch. */
function transposeBatch(x: Float64Array, batch: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[b * rows * cols + c * rows + r] = x[b * rows * cols + r * cols + c];
  }
  return out;
}

function expectGradOk(analytic: Float64Array, numeric: Float64Array, what: string): void {
  const r = compareGrads(analytic, numeric, 1e-7, 1e-6);
  expect(r.ok, `${what}: max abs err ${r.maxAbsErr} at ${r.worstIndex}`).toBe(true);
}

describe('reference matmul forward', () => {
  it('matches a hand-computed product with bias and alpha', () => {
    // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
    const A = Float64Array.from([1, 2, 3, 4]);
    const B = Float64Array.from([5, 6, 7, 8]);
    const s = { batch: 1, M: 2, K: 2, N: 2 };
    expect([...ref.matmulForward(A, B, null, s)]).toEqual([19, 22, 43, 50]);
    expect([...ref.matmulForward(A, B, Float64Array.from([1, -1]), { ...s, alpha: 2 })]).toEqual([39, 43, 87, 99]);
    // transA reads A as stored (K, M): A^T = [[1, 3], [2, 4]] -> [[26, 30], [38, 44]]
    expect([...ref.matmulForward(A, B, null, { ...s, transA: true })]).toEqual([26, 30, 38, 44]);
  });

  it('transposed storage gives the same product as transposing the data', () => {
    const s: ref.MatmulShape = { batch: 2, M: 3, K: 4, N: 5 };
    const A = randn(sizeA(s), 1);
    const B = randn(sizeB(s), 2);
    const bias = randn(s.N, 3);
    const y = ref.matmulForward(A, B, bias, s);
    const At = transposeBatch(A, s.batch, s.M, s.K);
    const Bt = transposeBatch(B, s.batch, s.K, s.N);
    for (const [a, b, transA, transB] of [
      [At, B, true, false],
      [A, Bt, false, true],
      [At, Bt, true, true],
    ] as const) {
      const yt = ref.matmulForward(a, b, bias, { ...s, transA, transB });
      for (let i = 0; i < y.length; i++) expect(yt[i]).toBeCloseTo(y[i], 12);
    }
  });

  it('a shared B equals B repeated over the batch; linearForward equals matmul with batch 1', () => {
    const s: ref.MatmulShape = { batch: 3, M: 2, K: 4, N: 3 };
    const A = randn(sizeA(s), 4);
    const W = randn(s.K * s.N, 5);
    const Brep = new Float64Array(s.batch * s.K * s.N);
    for (let b = 0; b < s.batch; b++) Brep.set(W, b * s.K * s.N);
    const shared = ref.matmulForward(A, W, null, { ...s, bBatched: false });
    expect([...shared]).toEqual([...ref.matmulForward(A, Brep, null, s)]);
    const bias = randn(s.N, 6);
    const lin = ref.linearForward(A, W, bias, s.batch * s.M, s.K, s.N);
    const mm = ref.matmulForward(A, W, bias, { batch: 1, M: s.batch * s.M, K: s.K, N: s.N });
    for (let i = 0; i < lin.length; i++) expect(lin[i]).toBeCloseTo(mm[i], 12);
  });

  it('rejects inputs of the wrong size', () => {
    expect(() => ref.matmulForward(new Float64Array(5), new Float64Array(6), null, { batch: 1, M: 2, K: 3, N: 2 })).toThrow(/A has 5/);
    expect(() => ref.matmulForward(new Float64Array(6), new Float64Array(6), null, { batch: 2, M: 1, K: 3, N: 2 })).toThrow(/B has 6/);
  });
});

describe('reference matmul backward vs central finite differences', () => {
  const shapes: ref.MatmulShape[] = [];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const bBatched of [true, false]) shapes.push({ batch: 2, M: 3, K: 4, N: 5, transA, transB, bBatched, alpha: 0.7 });
    }
  }
  // Edge cases: K = 1, N = 1, M = 1, a single element.
  shapes.push({ batch: 3, M: 4, K: 1, N: 2 }, { batch: 2, M: 3, K: 4, N: 1, transA: true, bBatched: false });
  shapes.push({ batch: 1, M: 1, K: 5, N: 3, transB: true }, { batch: 1, M: 1, K: 1, N: 1 });

  for (const s of shapes) {
    const tag = `b${s.batch} ${s.M}x${s.K}x${s.N}${s.transA ? ' tA' : ''}${s.transB ? ' tB' : ''}${s.bBatched === false ? ' sharedB' : ''}`;
    it(`dA, dB, dBias ${tag}`, () => {
      const A = randn(sizeA(s), 11);
      const B = randn(sizeB(s), 12);
      const bias = randn(s.N, 13);
      const w = randn(s.batch * s.M * s.N, 14); // upstream gradient dY
      const loss = () => dot(ref.matmulForward(A, B, bias, s), w);
      const g = ref.matmulBackward(A, B, w, s);
      expectGradOk(g.dA, finiteDifference(A, loss), 'dA');
      expectGradOk(g.dB, finiteDifference(B, loss), 'dB');
      expectGradOk(g.dBias, finiteDifference(bias, loss), 'dBias');
    });
  }
});

describe('reference linear layer vs central finite differences', () => {
  for (const [rows, K, N] of [
    [5, 4, 3],
    [1, 1, 1],
    [7, 1, 2],
    [3, 6, 1],
  ]) {
    it(`dX, dW, db rows=${rows} K=${K} N=${N}`, () => {
      const x = randn(rows * K, 21);
      const W = randn(K * N, 22);
      const b = randn(N, 23);
      const w = randn(rows * N, 24);
      const loss = () => dot(ref.linearForward(x, W, b, rows, K, N), w);
      const g = ref.linearBackward(x, W, w, rows, K, N);
      expectGradOk(g.dX, finiteDifference(x, loss), 'dX');
      expectGradOk(g.dW, finiteDifference(W, loss), 'dW');
      expectGradOk(g.db, finiteDifference(b, loss), 'db');
      expect([...ref.biasGrad(w, rows, N)]).toEqual([...g.db]);
    });
  }
});
