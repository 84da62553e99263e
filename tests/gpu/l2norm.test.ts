import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { f32, u32 } from '../../src/gpu/uniforms';
import { l2normBackward, l2normBackwardKernel, l2normForward, l2normForwardKernel } from '../../src/kernels/l2norm';
import * as ref from '../../reference/l2norm';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

async function runCase(B: number, C: number, eps: number, x: Float64Array, seed: number) {
  const e = await testEngine();
  const dY = randn(B * C, seed);
  const got = await withErrorScopes(e.device, async () => {
    const t = {
      x: upload(e, x, [B, C], 'x'),
      y: upload(e, new Float64Array(B * C).fill(Number.NaN), [B, C], 'y'),
      dY: upload(e, dY, [B, C], 'dY'),
      dX: upload(e, new Float64Array(B * C).fill(Number.NaN), [B, C], 'dX'),
    };
    l2normForward(e, t, { B, C, eps });
    l2normBackward(e, t, { B, C, eps });
    const out = { y: await t.y.read(), dX: await t.dX.read() };
    for (const v of Object.values(t)) v.release();
    return out;
  });
  expectClose(got.y, ref.l2normForward(x, B, C, eps), 1e-7, 1e-5, 'y');
  expectClose(got.dX, ref.l2normBackward(x, dY, B, C, eps), 1e-6, 1e-5, 'dX');
  return { got, dY };
}

describe('row L2 normalisation kernel (GPU vs float64 reference)', () => {
  it('B=3, C=70 (past the workgroup of 64), USE-lite eps 1e-12, rows of very different scale', async () => {
    const x = randn(3 * 70, 1);
    for (let c = 0; c < 70; c++) x[70 + c] = Math.fround(x[70 + c] * 1e-3);
    for (let c = 0; c < 70; c++) x[140 + c] = Math.fround(x[140 + c] * 300);
    await runCase(3, 70, 1e-12, x, 2);
  });

  it('floor branch: a zero row gives y = 0, dX = dY / sqrt(eps); a small row gives x / sqrt(eps)', async () => {
    const [B, C, eps] = [3, 5, 0.25];
    const x = randn(B * C, 3);
    x.fill(0, 0, C);
    for (let c = 0; c < C; c++) x[C + c] = Math.fround(x[C + c] * 0.05); // sum ~0.01 < eps
    const { got, dY } = await runCase(B, C, eps, x, 4);
    for (let c = 0; c < C; c++) {
      expect(got.y[c]).toBe(0);
      expect(got.dX[c]).toBe(Math.fround(dY[c] * 2));
      expect(got.dX[C + c]).toBe(Math.fround(dY[C + c] * 2));
    }
  });

  it('B=1, C=1 and a long row C=1000', async () => {
    await runCase(1, 1, 1e-12, Float64Array.from([-0.5]), 5);
    await runCase(2, 1000, 1e-12, randn(2000, 6, 0.1), 7);
  });

  it('rows folded into a 2-D grid of workgroups (as grid1d does past 65535 rows): B=5 on 2 x 3', async () => {
    const e = await testEngine();
    const [B, C, eps] = [5, 7, 1e-12];
    const x = randn(B * C, 8);
    const dY = randn(B * C, 9);
    const got = await withErrorScopes(e.device, async () => {
      const tx = upload(e, x, [B, C], 'x');
      const ty = upload(e, new Float64Array(B * C).fill(3), [B, C], 'y');
      const tdY = upload(e, dY, [B, C], 'dY');
      const tdX = upload(e, new Float64Array(B * C).fill(3), [B, C], 'dX');
      const u = [u32(B), u32(C), u32(0), f32(eps)];
      e.run(l2normForwardKernel, [tx, tx, ty], u, [2, 3]);
      e.run(l2normBackwardKernel, [tx, tdY, tdX], u, [2, 3]);
      const out = { y: await ty.read(), dX: await tdX.read() };
      for (const t of [tx, ty, tdY, tdX]) t.release();
      return out;
    });
    expectClose(got.y, ref.l2normForward(x, B, C, eps), 1e-7, 1e-5, 'y');
    expectClose(got.dX, ref.l2normBackward(x, dY, B, C, eps), 1e-6, 1e-5, 'dX');
  });

  it('validates sizes, aliasing and eps', async () => {
    const e = await testEngine();
    const a = e.tensor([2, 3], 'a');
    const b = e.tensor([2, 4], 'b');
    expect(() => l2normForward(e, { x: a, y: b }, { B: 2, C: 3, eps: 1e-12 })).toThrow(/"b" has 8 elements, y \(B, C\) needs 6/);
    expect(() => l2normForward(e, { x: a, y: a }, { B: 2, C: 3, eps: 1e-12 })).toThrow(/must not alias/);
    expect(() => l2normBackward(e, { x: a, dY: a, dX: b }, { B: 2, C: 3, eps: 0 })).toThrow(/eps must be a positive float32/);
    a.release();
    b.release();
  });
});
