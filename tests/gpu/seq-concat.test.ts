// The sequence-concat kernel (prompts and prefixes) against the float64 reference: forward, both backward parts,
// shared and per-example heads, and accumulation into a parameter gradient.
import { describe, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { seqConcat, seqConcatBackward } from '../../src/kernels/seq-concat';
import * as ref from '../../reference/seq-concat';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

describe('seq concat kernel (GPU vs float64 reference)', () => {
  for (const headShared of [false, true]) {
    it(`B=3, P=4, T=70, W=9, head ${headShared ? 'shared' : 'per example'}`, async () => {
      const e = await testEngine();
      const s = { B: 3, P: 4, T: 70, W: 9, headShared };
      const nh = (headShared ? 1 : s.B) * s.P * s.W;
      const head = randn(nh, 1);
      const tail = randn(s.B * s.T * s.W, 2);
      const dOut = randn(s.B * (s.P + s.T) * s.W, 3);
      const prior = randn(nh, 4);
      await withErrorScopes(e.device, async () => {
        const t = {
          head: upload(e, head, [nh], 'head'),
          tail: upload(e, tail, [s.B * s.T * s.W], 'tail'),
          out: e.tensor([s.B * (s.P + s.T) * s.W], 'out'),
          dOut: upload(e, dOut, [dOut.length], 'dOut'),
          dHead: upload(e, prior, [nh], 'dHead'),
          dTail: e.tensor([s.B * s.T * s.W], 'dTail'),
        };
        seqConcat(e, t, s);
        seqConcatBackward(e, t, { ...s, accumulateHead: true });
        const want = ref.seqConcatBackward(dOut, s);
        expectClose(await t.out.read(), ref.seqConcat(head, tail, s), 0, 0, 'out');
        expectClose(await t.dTail.read(), want.dTail, 0, 0, 'dTail');
        expectClose(await t.dHead.read(), want.dHead.map((v, i) => v + prior[i]), 1e-6, 1e-6, 'dHead (accumulated)');
        for (const x of Object.values(t)) x.release();
      });
    });
  }
});
