// The pair-features backward kernel (full fine-tuning on side-by-side pairs) against the float64 reference.
import { describe, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { pairFeatures, pairFeaturesBackward } from '../../src/kernels/pair-features';
import * as ref from '../../reference/pair-features';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

describe('pair features kernel, forward and backward (GPU vs float64 reference)', () => {
  it('B=3, C=70 with a tie u = v in one column', async () => {
    const e = await testEngine();
    const [B, C] = [3, 70];
    const u = randn(B * C, 1);
    const v = randn(B * C, 2);
    v[5] = u[5];
    const dX = randn(B * 4 * C, 3);
    const got = await withErrorScopes(e.device, async () => {
      const t = {
        u: upload(e, u, [B, C], 'u'),
        v: upload(e, v, [B, C], 'v'),
        X: upload(e, new Float64Array(B * 4 * C).fill(Number.NaN), [B, 4 * C], 'X'),
        dX: upload(e, dX, [B, 4 * C], 'dX'),
        dU: upload(e, new Float64Array(B * C).fill(Number.NaN), [B, C], 'dU'),
        dV: upload(e, new Float64Array(B * C).fill(Number.NaN), [B, C], 'dV'),
      };
      pairFeatures(e, t.u, t.v, t.X, { B, C });
      pairFeaturesBackward(e, t, { B, C });
      const out = { X: await t.X.read(), dU: await t.dU.read(), dV: await t.dV.read() };
      for (const x of Object.values(t)) x.release();
      return out;
    });
    const want = ref.pairFeaturesBackward(u, v, dX, B, C);
    expectClose(got.X, ref.pairFeatures(u, v, B, C), 1e-7, 1e-6, 'X');
    expectClose(got.dU, want.dU, 1e-6, 1e-5, 'dU');
    expectClose(got.dV, want.dV, 1e-6, 1e-5, 'dV');
  });
});
