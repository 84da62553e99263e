import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { adamwStep } from '../../src/kernels/adamw';
import { createGradNormPartials, gradNorm } from '../../src/kernels/grad-norm';
import * as ref from '../../reference/adamw';
import * as refNorm from '../../reference/grad-norm';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

// f32 state vs a float64 reference over 5 steps: moments carry f32 rounding (~1e-7 relative); the update
// m/(sqrt(v)+eps) is O(1) and scaled by lr, so parameters agree to ~lr * 1e-6 plus their own f32 rounding.
const P_TOL = [2e-6, 1e-5] as const;
const M_TOL = [1e-7, 2e-5] as const;
const V_TOL = [1e-9, 2e-5] as const;

describe('AdamW kernel with global-norm clipping (GPU vs float64 reference)', () => {
  const sizes = [1, 70, 4099];
  const decays = [0, 0.1, 0.1]; // e.g. a bias without decay, two weight matrices with decay
  const cases = [
    { name: 'clipping, weight decay', maxNorm: 1, wd: true },
    { name: 'no clipping (maxNorm Infinity), weight decay', maxNorm: Infinity, wd: true },
    { name: 'clipping, no weight decay, zeroGrad', maxNorm: 2, wd: false, zeroGrad: true },
  ];
  for (const c of cases) {
    it(`5 consecutive steps, sizes ${sizes.join(', ')}: ${c.name}`, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        const p64 = sizes.map((n, i) => randn(n, 50 + i));
        const m64 = sizes.map((n) => new Float64Array(n));
        const v64 = sizes.map((n) => new Float64Array(n));
        const p0 = p64.map((p) => Float64Array.from(p));
        const params = p64.map((p, i) => upload(e, p, [p.length], `param${i}`));
        const grads = sizes.map((n, i) => e.tensor([n], `grad${i}`));
        const ms = sizes.map((n, i) => e.zeros([n], `m${i}`));
        const vs = sizes.map((n, i) => e.zeros([n], `v${i}`));
        const partials = createGradNormPartials(e, grads);
        const clip = e.tensor([2], 'clip');
        let clipped = 0;
        for (let t = 1; t <= 5; t++) {
          const g64 = sizes.map((n, i) => randn(n, 1000 * t + i, 0.05 * t));
          g64.forEach((g, i) => grads[i].write(Float32Array.from(g)));
          // the step: norm + clip scale, then one AdamW dispatch per tensor, all in one command encoder
          gradNorm(e, grads, clip, partials, c.maxNorm);
          for (let i = 0; i < sizes.length; i++) {
            adamwStep(
              e,
              { param: params[i], grad: grads[i], m: ms[i], v: vs[i], clip },
              { ...hyper, weightDecay: c.wd ? decays[i] : 0, step: t, zeroGrad: c.zeroGrad },
            );
          }
          const norm = refNorm.globalGradNorm(g64);
          const scale = refNorm.clipScale(norm, c.maxNorm);
          if (scale < 1) clipped++;
          for (let i = 0; i < sizes.length; i++) {
            ref.adamwStep(p64[i], g64[i], m64[i], v64[i], { ...hyper, weightDecay: c.wd ? decays[i] : 0, step: t }, scale);
          }
          expectClose(await clip.read(), [norm, scale], 1e-7, 2e-6, `clip, step ${t}`);
          for (let i = 0; i < sizes.length; i++) {
            expectClose(await params[i].read(), p64[i], P_TOL[0], P_TOL[1], `param${i}, step ${t}`);
            expectClose(await ms[i].read(), m64[i], M_TOL[0], M_TOL[1], `m${i}, step ${t}`);
            expectClose(await vs[i].read(), v64[i], V_TOL[0], V_TOL[1], `v${i}, step ${t}`);
            const gAfter = await grads[i].read();
            if (c.zeroGrad) expect(gAfter.every((x) => x === 0)).toBe(true);
            else expectClose(gAfter, g64[i], 0, 0, `grad${i} untouched`);
          }
        }
        // the case is what it claims: clipping happened (or not), parameters moved
        if (Number.isFinite(c.maxNorm)) expect(clipped).toBeGreaterThanOrEqual(3);
        else expect(clipped).toBe(0);
        for (let i = 0; i < sizes.length; i++) {
          const moved = Math.max(...p64[i].map((x, j) => Math.abs(x - p0[i][j])));
          expect(moved).toBeGreaterThan(1e-2);
        }
        for (const t of [...params, ...grads, ...ms, ...vs, partials, clip]) t.release();
      });
    });
  }

  it('step 1 matches the hand computation (p=1, g=0.5, lr 0.1, wd 0.01, clip scale 0.5 on g=1)', async () => {
    const e = await testEngine();
    await withErrorScopes(e.device, async () => {
      const param = e.tensor([1], 'p', [1]);
      const grad = e.tensor([1], 'g', [1]);
      const m = e.zeros([1], 'm');
      const v = e.zeros([1], 'v');
      const clip = e.tensor([2], 'clip', [2, 0.5]);
      adamwStep(e, { param, grad, m, v, clip }, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 });
      expectClose(await param.read(), [0.999 - (0.1 * 0.5) / (0.5 + 1e-8)], 1e-7, 1e-6, 'p');
      expectClose(await m.read(), [0.05], 0, 1e-6, 'm');
      expectClose(await v.read(), [0.00025], 0, 1e-6, 'v');
      for (const t of [param, grad, m, v, clip]) t.release();
    });
  });

  it('rejects bad options and mismatched tensors', async () => {
    const e = await testEngine();
    const [p, g, m, v] = ['p', 'g', 'm', 'v'].map((l) => e.tensor([3], l));
    const clip = e.tensor([2], 'clip');
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
    expect(() => adamwStep(e, { param: p, grad: g, m, v, clip }, { ...o, step: 0 })).toThrow(/step/);
    expect(() => adamwStep(e, { param: p, grad: g, m, v, clip }, { ...o, beta2: 1 })).toThrow(/beta2/);
    expect(() => adamwStep(e, { param: p, grad: e.tensor([4], 'g4'), m, v, clip }, o)).toThrow(/g4/);
    expect(() => adamwStep(e, { param: p, grad: g, m: g, v, clip }, o)).toThrow(/share/);
    expect(() => adamwStep(e, { param: p, grad: g, m, v, clip: e.tensor([1], 'c1') }, o)).toThrow(/clip/);
  });
});
