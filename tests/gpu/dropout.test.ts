import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { f32, u32 } from '../../src/gpu/uniforms';
import { dropoutBackward, dropoutForward, dropoutKernel, type DropoutParams } from '../../src/kernels/dropout';
import * as ref from '../../reference/dropout';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

async function run(x: Float64Array, dY: Float64Array, d: DropoutParams) {
  const e = await testEngine();
  return withErrorScopes(e.device, async () => {
    const n = x.length;
    const tx = upload(e, x, [n], 'x');
    const tdY = upload(e, dY, [n], 'dY');
    const ty = upload(e, new Float64Array(n).fill(Number.NaN), [n], 'y');
    const tdX = upload(e, new Float64Array(n).fill(Number.NaN), [n], 'dX');
    dropoutForward(e, tx, ty, d);
    dropoutBackward(e, tdY, tdX, d);
    const out = { y: await ty.read(), dX: await tdX.read() };
    for (const t of [tx, tdY, ty, tdX]) t.release();
    return out;
  });
}

describe('dropout kernel (GPU vs float64 reference)', () => {
  for (const d of [
    { p: 0.1, seed: 0, step: 0 },
    { p: 0.5, seed: 12345, step: 77, stream: 4 },
    { p: 0.9, seed: 0xffffffff, step: 0xfffffffe, stream: 0xffffffff },
  ]) {
    it(`the GPU mask is the reference mask bit for bit, forward and backward: ${JSON.stringify(d)}`, async () => {
      const n = 10_007;
      const ones = new Float64Array(n).fill(1);
      const dY = randn(n, 3);
      const got = await run(ones, dY, d);
      const mask = ref.dropoutMask(n, d);
      expect([...got.y]).toEqual([...mask]); // y = 1 * mask: exact
      const kept = mask.filter((v) => v !== 0).length;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(n);
      // backward: dropped exactly where the forward dropped, dY scaled (one f32 rounding) where kept
      for (let i = 0; i < n; i++) if (mask[i] === 0) expect(got.dX[i], `dX[${i}]`).toBe(0);
      expectClose(got.dX, ref.dropoutBackward(dY, d), 0, 1e-7, 'dX');
    });
  }

  it('forward of real values; p = 0 copies x; a new step gives a new mask, the same step the same', async () => {
    const n = 999;
    const x = randn(n, 5, 3);
    const d = { p: 0.25, seed: 42, step: 1 };
    const a = await run(x, x, d);
    expectClose(a.y, ref.dropoutForward(x, d), 0, 1e-7, 'y');
    expect([...a.dX]).toEqual([...a.y]); // forward and backward apply one mask
    const b = await run(x, x, { ...d, step: 2 });
    expect([...b.y]).not.toEqual([...a.y]);
    expectClose(b.y, ref.dropoutForward(x, { ...d, step: 2 }), 0, 1e-7, 'y step 2');
    const c = await run(x, x, { p: 0, seed: 1, step: 1 });
    expect([...c.y]).toEqual([...Float32Array.from(x)]);
  });

  it('index folded into a 2-D grid (as grid1d does past 65535 groups): n=1000 on 2 x 3 groups of 256', async () => {
    const e = await testEngine();
    const n = 1000;
    const d = { p: 0.3, seed: 8, step: 9, stream: 10 };
    const got = await withErrorScopes(e.device, async () => {
      const tx = upload(e, new Float64Array(n).fill(1), [n], 'x');
      const ty = upload(e, new Float64Array(n).fill(5), [n], 'y');
      const thr = ref.dropoutThreshold(d.p);
      e.run(dropoutKernel, [tx, ty], [u32(n), u32(d.seed), u32(d.step), u32(d.stream), u32(thr), f32(1 / 0.7)], [2, 3]);
      const y = await ty.read();
      tx.release();
      ty.release();
      return y;
    });
    expect([...got]).toEqual([...ref.dropoutMask(n, d)]);
  });

  it('validates p, seeds, sizes and aliasing', async () => {
    const e = await testEngine();
    const a = e.tensor([4], 'a');
    const b = e.tensor([5], 'b');
    expect(() => dropoutForward(e, a, a, { p: 0.1, seed: 0, step: 0 })).toThrow(/must not alias/);
    expect(() => dropoutForward(e, a, b, { p: 0.1, seed: 0, step: 0 })).toThrow(/"a" has 4 elements, "b" has 5/);
    const c = e.tensor([4], 'c');
    expect(() => dropoutForward(e, a, c, { p: 1, seed: 0, step: 0 })).toThrow(/p must be in \[0, 1\), got 1/);
    expect(() => dropoutBackward(e, a, c, { p: 0.1, seed: -1, step: 0 })).toThrow(/seed must be an integer in \[0, 2\^32\)/);
    expect(() => dropoutBackward(e, a, c, { p: 0.1, seed: 0, step: 1.5 })).toThrow(/step must be an integer/);
    for (const t of [a, b, c]) t.release();
  });
});
