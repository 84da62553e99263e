import { describe, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { addAccumulate, addForward } from '../../src/kernels/add';
import * as ref from '../../reference/add';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

describe('add kernel (GPU vs float64 reference)', () => {
  for (const n of [1, 37, 4099]) {
    it(`forward and accumulate, n=${n}`, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const a = randn(n, 10 + n);
        const b = randn(n, 20 + n);
        const ta = upload(e, a, [n], 'a');
        const tb = upload(e, b, [n], 'b');
        const ty = e.tensor([n], 'y');
        addForward(e, ta, tb, ty);
        expectClose(await ty.read(), ref.addForward(a, b), 1e-6, 1e-6, 'y');
        addAccumulate(e, ty, ta);
        const acc = ref.addForward(a, b);
        ref.addAccumulate(acc, a);
        expectClose(await ty.read(), acc, 1e-6, 1e-6, 'acc');
        for (const t of [ta, tb, ty]) t.release();
      });
    });
  }
});
