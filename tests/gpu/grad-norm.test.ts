import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { createGradNormPartials, gradNorm, gradNormPartialsSize } from '../../src/kernels/grad-norm';
import * as ref from '../../reference/grad-norm';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

const NORM_RTOL = 2e-6; // f32 sums of squares over <= ~10^5 elements with tree reductions

describe('global gradient norm + clip scale kernel (GPU vs float64 reference)', () => {
  const sets: { name: string; sizes: number[] }[] = [
    { name: 'sizes 1, 70, 4099', sizes: [1, 70, 4099] },
    { name: '13 tensors incl. an empty one and 100000 elements', sizes: [5, 0, 1, 256, 257, 4096, 4097, 100000, 3, 768, 70, 12289, 2] },
    { name: 'no tensors', sizes: [] },
  ];
  for (const s of sets) {
    for (const maxNorm of [0.5, 1e6, 0, -1, Infinity]) {
      it(`${s.name}, maxNorm ${maxNorm}`, async () => {
        const e = await testEngine();
        await withErrorScopes(e.device, async () => {
          const data = s.sizes.map((n, i) => randn(n, 1000 + i * 7 + n, 1 / Math.sqrt(1 + i)));
          const grads = data.map((d, i) => upload(e, d, [d.length], `grad${i}`));
          const partials = createGradNormPartials(e, grads);
          const clip = e.tensor([2], 'clip', new Float32Array([NaN, NaN]));
          gradNorm(e, grads, clip, partials, maxNorm);
          const got = await clip.read();
          const norm = ref.globalGradNorm(data);
          const scale = ref.clipScale(norm, maxNorm);
          if (s.sizes.length) expect(norm).toBeGreaterThan(1);
          if (maxNorm === 0.5 && s.sizes.length) expect(scale).toBeLessThan(0.5); // really clips
          expectClose([got[0]], [norm], 1e-7, NORM_RTOL, 'norm');
          expectClose([got[1]], [scale], 1e-7, NORM_RTOL, 'scale');
          if (!ref.clipEnabled(maxNorm)) expect(got[1]).toBe(1);
          // deterministic: a second run gives the same bits
          gradNorm(e, grads, clip, partials, maxNorm);
          const again = await clip.read();
          expect([...again]).toEqual([...got]);
          for (const t of [...grads, partials, clip]) t.release();
        });
      });
    }
  }

  it('sizes the scratch and rejects bad tensors', async () => {
    const e = await testEngine();
    const a = e.tensor([4097], 'a');
    const b = e.tensor([1], 'b');
    expect(gradNormPartialsSize([a, b])).toBe(3);
    expect(gradNormPartialsSize([])).toBe(1);
    const small = e.tensor([2], 'small');
    const clip = e.tensor([2], 'clip');
    expect(() => gradNorm(e, [a, b], clip, small, 1)).toThrow(/partials/);
    expect(() => gradNorm(e, [a], e.tensor([1], 'clip1'), e.tensor([3], 'p'), 1)).toThrow(/clip/);
    for (const t of [a, b, small, clip]) t.release();
  });
});
