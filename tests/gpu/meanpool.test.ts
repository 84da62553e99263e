import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { f32, u32 } from '../../src/gpu/uniforms';
import { meanPoolBackward, meanPoolBackwardKernel, meanPoolForward, meanPoolForwardKernel } from '../../src/kernels/meanpool';
import * as ref from '../../reference/meanpool';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

/** Per-example valid ranges [start, end) -> (B, T) mask. */
function maskFrom(T: number, ranges: [number, number][]): Float64Array {
  const m = new Float64Array(ranges.length * T);
  ranges.forEach(([s, e], b) => m.fill(1, b * T + s, b * T + e));
  return m;
}

async function runCase(B: number, T: number, C: number, mask: Float64Array, x: Float64Array, minCount?: number) {
  const e = await testEngine();
  const shape = { B, T, C, minCount };
  const dY = randn(B * C, 77 + B * T * C);
  const got = await withErrorScopes(e.device, async () => {
    const t = {
      x: upload(e, x, [B, T, C], 'x'),
      mask: upload(e, mask, [B, T], 'mask'),
      y: upload(e, new Float64Array(B * C).fill(9), [B, C], 'y'), // overwritten
      dY: upload(e, dY, [B, C], 'dY'),
      dX: upload(e, new Float64Array(B * T * C).fill(9), [B, T, C], 'dX'), // overwritten
    };
    meanPoolForward(e, t, shape);
    meanPoolBackward(e, t, shape);
    const out = { y: await t.y.read(), dX: await t.dX.read() };
    for (const v of Object.values(t)) v.release();
    return out;
  });
  // y sums at most T products; f32 accumulation over T=37 terms stays far inside these tolerances
  expectClose(got.y, ref.meanPoolForward(x, mask, shape), 1e-6, 1e-5, 'y');
  expectClose(got.dX, ref.meanPoolBackward(mask, dY, shape), 1e-7, 1e-6, 'dX');
  return got;
}

describe('mean pool kernel (GPU vs float64 reference)', () => {
  it('B=3, T=37, C=70: right padding, left padding, fully masked example', async () => {
    const [B, T, C] = [3, 37, 70];
    const mask = maskFrom(T, [
      [0, 30], // right padding
      [9, 37], // left padding
      [0, 0], // nothing valid
    ]);
    const x = randn(B * T * C, 1);
    const got = await runCase(B, T, C, mask, x);
    for (let c = 0; c < C; c++) expect(got.y[2 * C + c]).toBe(0);
    for (let i = 2 * T * C; i < 3 * T * C; i++) expect(got.dX[i] === 0, `dX[${i}]`).toBe(true);
  });

  it('NaN and Inf in padding do not reach y or dX', async () => {
    const [B, T, C] = [2, 5, 3];
    const mask = maskFrom(T, [
      [2, 5],
      [0, 4],
    ]);
    const x = randn(B * T * C, 2);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) if (mask[b * T + t] === 0) x.fill(t % 2 ? NaN : Infinity, (b * T + t) * C, (b * T + t + 1) * C);
    const got = await runCase(B, T, C, mask, x);
    expect([...got.y, ...got.dX].every(Number.isFinite)).toBe(true);
  });

  it('B=1, T=1, C=1 and a long odd shape B=2, T=129, C=5', async () => {
    await runCase(1, 1, 1, Float64Array.from([1]), Float64Array.from([0.25]));
    await runCase(2, 129, 5, maskFrom(129, [[0, 129], [64, 100]]), randn(2 * 129 * 5, 3));
  });

  it('count floor minCount: 2.5 (floors examples with fewer valid steps) and a tiny 1e-9 (fractional mask)', async () => {
    const [B, T, C] = [3, 6, 4];
    const mask = maskFrom(T, [
      [0, 6],
      [1, 3],
      [0, 0],
    ]);
    const x = randn(B * T * C, 21);
    const got = await runCase(B, T, C, mask, x, 2.5);
    // example 1 has 2 valid steps: divided by 2.5, not 2
    for (let c = 0; c < C; c++) expect(got.y[C + c]).toBeCloseTo((x[(T + 1) * C + c] + x[(T + 2) * C + c]) / 2.5, 6);
    const soft = mask.map((m, i) => (m ? 1 : i % 3 === 0 ? 0.5 : 0));
    await runCase(B, T, C, soft, x, 1e-9);
    const e = await testEngine();
    const t = { x: e.tensor([B, T, C], 'x'), mask: e.tensor([B, T], 'mask'), y: e.tensor([B, C], 'y') };
    expect(() => meanPoolForward(e, t, { B, T, C, minCount: 0 })).toThrow(/minCount must be a positive float32/);
    for (const v of Object.values(t)) v.release();
  });

  it('index folded into a 2-D grid (as grid1d does past 65535 groups): B*C = 900 on a 2 x 2 grid of 256', async () => {
    const e = await testEngine();
    const [B, T, C] = [3, 7, 300];
    const shape = { B, T, C };
    const mask = maskFrom(T, [
      [0, 7],
      [2, 7],
      [0, 3],
    ]);
    const x = randn(B * T * C, 13);
    const dY = randn(B * C, 14);
    const got = await withErrorScopes(e.device, async () => {
      const tm = upload(e, mask, [B, T], 'mask');
      const tx = upload(e, x, [B, T, C], 'x');
      const ty = upload(e, new Float64Array(B * C).fill(123), [B, C], 'y');
      const tdY = upload(e, dY, [B, C], 'dY');
      const tdX = upload(e, new Float64Array(B * T * C).fill(123), [B, T, C], 'dX');
      const u = [u32(B), u32(T), u32(C), f32(1)];
      e.run(meanPoolForwardKernel, [tm, tx, ty], u, [2, 2]);
      e.run(meanPoolBackwardKernel, [tm, tdY, tdX], u, [2, 2]);
      const out = { y: await ty.read(), dX: await tdX.read() };
      for (const t of [tm, tx, ty, tdY, tdX]) t.release();
      return out;
    });
    expectClose(got.y, ref.meanPoolForward(x, mask, shape), 1e-6, 1e-5, 'y');
    expectClose(got.dX, ref.meanPoolBackward(mask, dY, shape), 1e-7, 1e-6, 'dX');
  });
});
