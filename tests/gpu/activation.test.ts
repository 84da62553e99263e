import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { u32 } from '../../src/gpu/uniforms';
import { activationBackward, activationForward, activationKernels, type ActivationKind } from '../../src/kernels/activation';
import * as ref from '../../reference/activation';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

async function run(kind: ActivationKind, x: Float64Array, dY: Float64Array) {
  const e = await testEngine();
  return withErrorScopes(e.device, async () => {
    const n = x.length;
    const tx = upload(e, x, [n], 'x');
    const tdY = upload(e, dY, [n], 'dY');
    const ty = upload(e, new Float64Array(n).fill(Number.NaN), [n], 'y');
    const tdX = upload(e, new Float64Array(n).fill(Number.NaN), [n], 'dX');
    activationForward(e, kind, tx, ty);
    activationBackward(e, kind, ty, tdY, tdX);
    const out = { y: await ty.read(), dX: await tdX.read() };
    for (const t of [tx, tdY, ty, tdX]) t.release();
    return out;
  });
}

describe('relu / tanh kernels (GPU vs float64 reference)', () => {
  for (const kind of ['relu', 'tanh'] as const) {
    for (const [n, scale] of [
      [1, 1],
      [37 * 70, 3],
      [4099, 0.3],
    ] as const) {
      it(`${kind}: n=${n}, N(0, ${scale}^2)`, async () => {
        const x = randn(n, 10 + n, scale);
        const dY = randn(n, 20 + n);
        const got = await run(kind, x, dY);
        const y = ref.activationForward(kind, x);
        // tanh: relative accuracy near 0 (continued fraction), ~1 ulp elsewhere.
        expectClose(got.y, y, 1e-7, 4e-7, 'y');
        // dX is computed from the stored f32 y (as the encoder will): exact to f32 rounding given that y ...
        expectClose(got.dX, ref.activationBackward(kind, Float64Array.from(got.y), dY), 1e-7, 1e-6, 'dX from the GPU y');
        // ... and within y's rounding (1 - y^2 moves by 2|y| ulp(y) <= 1.2e-7) of the exact derivative.
        expectClose(got.dX, ref.activationBackward(kind, y, dY), 1.5e-7 * 4, 1e-6, 'dX');
      });
    }
  }

  it('tanh: far ends are exactly +-1 with slope 0 (no NaN), tiny x keeps relative accuracy', async () => {
    const x = Float64Array.from([0, 50, -50, 100, -3e38, 3e38, 1e-30, -2e-6, 0.6249, 0.6251, 9]);
    const got = await run('tanh', x, new Float64Array(x.length).fill(1));
    for (const v of [...got.y, ...got.dX]) expect(Number.isFinite(v)).toBe(true);
    expect([...got.y.subarray(0, 6)]).toEqual([0, 1, -1, 1, -1, 1]);
    expect([...got.dX.subarray(1, 6)].map(Math.abs)).toEqual([0, 0, 0, 0, 0]);
    expectClose(got.y, ref.activationForward('tanh', x), 1e-40, 3e-7, 'y (relative)');
  });

  it('relu: x = 0 gives y = 0 and slope 0; NaN-free for +-Inf', async () => {
    const x = Float64Array.from([0, -0, 1e-38, -1e-38, Infinity, -Infinity]);
    const got = await run('relu', x, Float64Array.from([3, 3, 3, 3, 3, 3]));
    expect([...got.y].map((v) => v + 0)).toEqual([0, 0, Math.fround(1e-38), 0, Infinity, 0]);
    expect([...got.dX]).toEqual([0, 0, 3, 0, 3, 0]);
  });

  it('index folded into a 2-D grid (as grid1d does past 65535 groups): n=1000 on 2 x 3 groups of 256', async () => {
    const e = await testEngine();
    const n = 1000;
    const x = randn(n, 30, 2);
    const dY = randn(n, 31);
    for (const kind of ['relu', 'tanh'] as const) {
      const got = await withErrorScopes(e.device, async () => {
        const tx = upload(e, x, [n], 'x');
        const ty = upload(e, new Float64Array(n).fill(7), [n], 'y');
        const tdY = upload(e, dY, [n], 'dY');
        const tdX = upload(e, new Float64Array(n).fill(7), [n], 'dX');
        e.run(activationKernels[kind].forward, [tx, ty], [u32(n)], [2, 3]);
        e.run(activationKernels[kind].backward, [ty, tdY, tdX], [u32(n)], [2, 3]);
        const out = { y: await ty.read(), dX: await tdX.read() };
        for (const t of [tx, ty, tdY, tdX]) t.release();
        return out;
      });
      expectClose(got.y, ref.activationForward(kind, x), 1e-7, 4e-7, `${kind} y`);
      expectClose(got.dX, ref.activationBackward(kind, Float64Array.from(got.y), dY), 1e-7, 1e-6, `${kind} dX`);
    }
  });

  it('validates sizes and aliasing', async () => {
    const e = await testEngine();
    const a = e.tensor([4], 'a');
    const b = e.tensor([5], 'b');
    expect(() => activationForward(e, 'relu', a, b)).toThrow(/"a" has 4 elements, "b" has 5/);
    expect(() => activationForward(e, 'tanh', a, a)).toThrow(/must not alias/);
    expect(() => activationForward(e, 'gelu' as ActivationKind, a, a)).toThrow(/unknown activation "gelu"/);
    a.release();
    b.release();
  });
});
