import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { f32, u32 } from '../../src/gpu/uniforms';
import { layerNormBackward, layerNormForward, layerNormKernels, rowThreads } from '../../src/kernels/layernorm';
import * as ref from '../../reference/layernorm';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

interface Case {
  rows: number;
  dim: number;
  eps: number;
  x: Float64Array;
  /** atol for y and dX (rows with a large offset lose digits to the f32-rounded mean, as in any f32 layer norm). */
  atol?: number;
}

async function runCase({ rows, dim, eps, x, atol = 1e-5 }: Case) {
  const e = await testEngine();
  const gamma = randn(dim, 1000 + dim, 0.5).map((v) => Math.fround(v + 1));
  const beta = randn(dim, 2000 + dim, 0.5);
  const dY = randn(rows * dim, 3000 + rows);
  const dGamma0 = randn(dim, 4000 + dim); // parameter gradients accumulate onto these
  const dBeta0 = randn(dim, 5000 + dim);
  const shape = { rows, dim };
  const fwd = ref.layerNormForward(x, gamma, beta, shape, eps);
  // backward reference from the reference forward's statistics (the GPU uses its own, equal to ~1e-7)
  const bwd = ref.layerNormBackward(x, gamma, fwd.mean, fwd.rstd, dY, shape);

  const got = await withErrorScopes(e.device, async () => {
    const t = {
      x: upload(e, x, [rows, dim], 'x'),
      gamma: upload(e, gamma, [dim], 'gamma'),
      beta: upload(e, beta, [dim], 'beta'),
      y: e.tensor([rows, dim], 'y'),
      mean: e.tensor([rows], 'mean'),
      rstd: e.tensor([rows], 'rstd'),
      dY: upload(e, dY, [rows, dim], 'dY'),
      dX: upload(e, new Float64Array(rows * dim).fill(123), [rows, dim], 'dX'), // overwritten
      dGamma: upload(e, dGamma0, [dim], 'dGamma'),
      dBeta: upload(e, dBeta0, [dim], 'dBeta'),
    };
    layerNormForward(e, t, { rows, dim, eps });
    layerNormBackward(e, t, shape);
    const out = {
      y: await t.y.read(),
      mean: await t.mean.read(),
      rstd: await t.rstd.read(),
      dX: await t.dX.read(),
      dGamma: await t.dGamma.read(),
      dBeta: await t.dBeta.read(),
    };
    for (const v of Object.values(t)) v.release();
    return out;
  });

  expectClose(got.mean, fwd.mean, 1e-6, 1e-6, 'mean');
  expectClose(got.rstd, fwd.rstd, 0, 1e-5, 'rstd');
  expectClose(got.y, fwd.y, atol, 1e-5, 'y');
  expectClose(got.dX, bwd.dX, atol, 1e-4, 'dX');
  expectClose(got.dGamma, bwd.dGamma.map((v, j) => v + dGamma0[j]), 1e-4, 1e-5, 'dGamma');
  expectClose(got.dBeta, bwd.dBeta.map((v, j) => v + dBeta0[j]), 1e-4, 1e-5, 'dBeta');
  return { got, fwd, beta };
}

describe('layer norm kernel (GPU vs float64 reference)', () => {
  it('R=37, D=70, eps 1e-5', async () => {
    await runCase({ rows: 37, dim: 70, eps: 1e-5, x: randn(37 * 70, 1, 2) });
  });

  it('R=37, D=70, eps 1e-6 (the encoder setting), rows offset by up to +-100', async () => {
    const x = randn(37 * 70, 2);
    for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i] + 200 * ((Math.floor(i / 70) % 5) / 4 - 0.5));
    await runCase({ rows: 37, dim: 70, eps: 1e-6, x, atol: 1e-4 });
  });

  it('D=1: y = beta, dX = 0, dGamma gets nothing, dBeta gets sum dY', async () => {
    const { got, beta } = await runCase({ rows: 5, dim: 1, eps: 1e-5, x: randn(5, 3, 3) });
    for (let r = 0; r < 5; r++) {
      expect(got.y[r]).toBe(Math.fround(beta[0]));
      expect(got.dX[r]).toBe(0);
    }
  });

  it('constant rows (mixed with random ones): y = beta, rstd = 1/sqrt(eps)', async () => {
    const rows = 6;
    const dim = 70;
    const x = randn(rows * dim, 4);
    const constants = [0.3, -7.1, 0, 1000.1];
    constants.forEach((c, r) => x.fill(Math.fround(c), r * dim, (r + 1) * dim));
    const { got, beta } = await runCase({ rows, dim, eps: 1e-5, x });
    for (let r = 0; r < constants.length; r++) {
      expect(got.mean[r]).toBe(Math.fround(constants[r]));
      expect(got.rstd[r]).toBeCloseTo(1 / Math.sqrt(1e-5), 2);
      for (let j = 0; j < dim; j++) expect(got.y[r * dim + j]).toBe(Math.fround(beta[j]));
    }
  });

  // D picks the threads per row (rowThreads): 70 -> 32, 300 -> 64, 600 -> 128, 2100 -> 256
  for (const [rows, dim] of [
    [9, 300],
    [3, 600],
    [2, 2100],
  ]) {
    it(`R=${rows}, D=${dim} (${rowThreads(dim)} threads per row, strided)`, async () => {
      await runCase({ rows, dim, eps: 1e-5, x: randn(rows * dim, 5 + dim, 0.1) });
    });
  }

  it('row and tile index folded into a 2-D grid (as grid1d does past 65535 groups): R=10 on a 4 x 3 grid', async () => {
    // A real > 65535-row dispatch takes ~25 s on SwiftShader; the kernels only see (wid, nwg), so a small 2-D grid
    // with spare workgroups checks the same index arithmetic and the bounds guard.
    const e = await testEngine();
    const [rows, dim] = [10, 70];
    const x = randn(rows * dim, 6);
    const gamma = randn(dim, 7);
    const beta = randn(dim, 8);
    const dY = randn(rows * dim, 9);
    const fwd = ref.layerNormForward(x, gamma, beta, { rows, dim }, 1e-5);
    const got = await withErrorScopes(e.device, async () => {
      const tx = upload(e, x, [rows, dim], 'x');
      const tg = upload(e, gamma, [dim], 'gamma');
      const tb = upload(e, beta, [dim], 'beta');
      const stale = (shape: number[], label: string) => upload(e, new Float64Array(shape.reduce((a, b) => a * b)).fill(123), shape, label);
      const ty = stale([rows, dim], 'y');
      const tm = stale([rows], 'mean');
      const tr = stale([rows], 'rstd');
      const tdY = upload(e, dY, [rows, dim], 'dY');
      const tdX = stale([rows, dim], 'dX');
      const tdG = e.zeros([dim], 'dGamma');
      const tdB = e.zeros([dim], 'dBeta');
      const k = layerNormKernels(dim);
      const u = [u32(rows), u32(dim), f32(1e-5)];
      e.run(k.forward, [tx, tg, tb, ty, tm, tr], u, [4, 3]);
      e.run(k.backwardInput, [tx, tg, tm, tr, tdY, tdX], u, [4, 3]);
      e.run(k.backwardParams, [tx, tdG, tm, tr, tdY, tdB], u, [2, 2]); // 3 column tiles of 32 needed, 4 launched
      const out = {
        y: await ty.read(),
        dX: await tdX.read(),
        mean: await tm.read(),
        dGamma: await tdG.read(),
        dBeta: await tdB.read(),
      };
      for (const t of [tx, tg, tb, ty, tm, tr, tdY, tdX, tdG, tdB]) t.release();
      return out;
    });
    const bwd = ref.layerNormBackward(x, gamma, fwd.mean, fwd.rstd, dY, { rows, dim });
    expectClose(got.mean, fwd.mean, 1e-6, 1e-6, 'mean');
    expectClose(got.y, fwd.y, 1e-5, 1e-5, 'y');
    expectClose(got.dX, bwd.dX, 1e-5, 1e-4, 'dX');
    expectClose(got.dGamma, bwd.dGamma, 1e-4, 1e-5, 'dGamma');
    expectClose(got.dBeta, bwd.dBeta, 1e-4, 1e-5, 'dBeta');
  });
});
