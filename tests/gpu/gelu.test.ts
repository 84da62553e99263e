import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { u32 } from '../../src/gpu/uniforms';
import { geluBackward, geluBackwardKernel, geluForward, geluForwardKernel } from '../../src/kernels/gelu';
import * as ref from '../../reference/gelu';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

async function runGelu(x: Float64Array, dY: Float64Array) {
  const e = await testEngine();
  return withErrorScopes(e.device, async () => {
    const n = x.length;
    const tx = upload(e, x, [n], 'x');
    const tdY = upload(e, dY, [n], 'dY');
    const ty = e.tensor([n], 'y');
    const tdX = e.tensor([n], 'dX');
    geluForward(e, tx, ty);
    geluBackward(e, tx, tdY, tdX);
    const y = await ty.read();
    const dX = await tdX.read();
    for (const t of [tx, tdY, ty, tdX]) t.release();
    return { y, dX };
  });
}

/** Evenly spaced f32 values in [lo, hi]. */
function grid(lo: number, hi: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (n - 1)));
}

describe('gelu kernel (GPU vs float64 reference)', () => {
  // Inputs and dY are exact f32 values; the reference result is rounded to f32 once more by the GPU, hence rtol
  // at a few f32 ulp; atol covers erf's absolute error (Phi error * |x|) near zero.
  for (const [name, n, scale] of [
    ['n=1', 1, 1],
    ['n=37*70, N(0, 3^2)', 37 * 70, 3],
    ['n=4099, N(0, 1)', 4099, 1],
  ] as const) {
    it(`forward and backward, ${name}`, async () => {
      const x = randn(n, 100 + n, scale);
      const dY = randn(n, 200 + n);
      const { y, dX } = await runGelu(x, dY);
      expectClose(y, ref.geluForward(x), 2e-7, 1e-6, 'y');
      expectClose(dX, ref.geluBackward(x, dY), 2e-7, 2e-6, 'dX');
    });
  }

  it('Phi(x) = y / x is accurate to ~1e-7 absolute on a dense grid over [-9, 9] (erf accuracy)', async () => {
    const x = grid(-9, 9, 20001);
    const { y } = await runGelu(x, new Float64Array(x.length).fill(1));
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) < 0.25) continue; // y / x loses digits to y's own rounding near 0
      worst = Math.max(worst, Math.abs(y[i] / x[i] - ref.normalCdf(x[i])));
    }
    expect(worst).toBeLessThan(1.5e-7); // measured 1.05e-7 on lavapipe, mostly the f32 rounding of y
    // lower tail relative accuracy: Phi(-5) = 2.87e-7 must not be lost to 1 - erf cancellation
    expectClose(
      Array.from(x, (v, i) => (v < -2 ? y[i] : 0)),
      Array.from(x, (v) => (v < -2 ? Math.fround(v * ref.normalCdf(v)) : 0)),
      1e-30,
      2e-5,
      'y in the lower tail',
    );
  });

  it('x = +-20, +-6, 0 and f32 extremes: finite, y = x / 0 and slope 1 / 0 at the far ends', async () => {
    const x = Float64Array.from([20, -20, 6, -6, 0, 3e38, -3e38, 1e-30, -1e-30]);
    const dY = new Float64Array(x.length).fill(1);
    const { y, dX } = await runGelu(x, dY);
    for (const v of [...y, ...dX]) expect(Number.isFinite(v)).toBe(true);
    expect(y[0]).toBe(20);
    expect(Math.abs(y[1])).toBe(0);
    expect(dX[0]).toBe(1);
    expect(Math.abs(dX[1])).toBe(0);
    expect(y[5]).toBe(Math.fround(3e38));
    expect(Math.abs(y[6])).toBe(0);
    expectClose(y.subarray(0, 5), ref.geluForward(x.subarray(0, 5)), 1e-7, 1e-6, 'y');
    expectClose(dX.subarray(0, 5), ref.geluBackward(x.subarray(0, 5), dY.subarray(0, 5)), 1e-7, 1e-6, 'dX');
  });

  it('index folded into a 2-D grid (as grid1d does past 65535 groups): n=1000 on a 2 x 3 grid of 256', async () => {
    const e = await testEngine();
    const n = 1000;
    const x = randn(n, 11, 2);
    const dY = randn(n, 12);
    const got = await withErrorScopes(e.device, async () => {
      const tx = upload(e, x, [n], 'x');
      const tdY = upload(e, dY, [n], 'dY');
      const ty = upload(e, new Float64Array(n).fill(123), [n], 'y');
      const tdX = upload(e, new Float64Array(n).fill(123), [n], 'dX');
      e.run(geluForwardKernel, [tx, ty], [u32(n)], [2, 3]);
      e.run(geluBackwardKernel, [tx, tdY, tdX], [u32(n)], [2, 3]);
      const out = { y: await ty.read(), dX: await tdX.read() };
      for (const t of [tx, tdY, ty, tdX]) t.release();
      return out;
    });
    expectClose(got.y, ref.geluForward(x), 2e-7, 1e-6, 'y');
    expectClose(got.dX, ref.geluBackward(x, dY), 2e-7, 2e-6, 'dX');
  });
});
