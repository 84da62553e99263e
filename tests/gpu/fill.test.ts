import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { fill, zero } from '../../src/kernels/fill';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

describe('fill kernel', () => {
  for (const n of [1, 37, 70001]) {
    it(`fill and zero, n=${n}`, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const t = upload(e, randn(n, n), [n], 'y');
        const neighbour = upload(e, randn(5, 1), [5], 'neighbour');
        fill(e, t, -1.25);
        expectClose(await t.read(), new Float64Array(n).fill(-1.25), 0, 0, 'fill');
        fill(e, t, 0.1);
        expectClose(await t.read(), new Float64Array(n).fill(Math.fround(0.1)), 0, 0, 'fill 0.1');
        zero(e, t);
        const z = await t.read();
        expect(z.every((x) => x === 0 && !Object.is(x, -0))).toBe(true);
        expectClose(await neighbour.read(), randn(5, 1), 0, 0, 'untouched neighbour');
        t.release();
        neighbour.release();
      });
    });
  }
  it('fills infinities and NaN', async () => {
    const e = await testEngine();
    await withErrorScopes(e.device, async () => {
      const t = e.tensor([3], 'y');
      fill(e, t, Infinity);
      expect([...(await t.read())]).toEqual([Infinity, Infinity, Infinity]);
      fill(e, t, NaN);
      expect([...(await t.read())].every(Number.isNaN)).toBe(true);
      t.release();
    });
  });
});
