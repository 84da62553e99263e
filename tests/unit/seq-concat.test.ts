// Reference sequence concatenation: backward against central finite differences, shared and per-example heads.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { seqConcat, seqConcatBackward } from '../../reference/seq-concat';
import { randn } from '../helpers/rng';

describe('reference seq concat', () => {
  for (const headShared of [false, true]) {
    it(`backward matches finite differences (head ${headShared ? 'shared' : 'per example'})`, () => {
      const s = { B: 3, P: 2, T: 4, W: 5, headShared };
      const head = randn((headShared ? 1 : s.B) * s.P * s.W, 1);
      const tail = randn(s.B * s.T * s.W, 2);
      const w = randn(s.B * (s.P + s.T) * s.W, 3);
      const { dHead, dTail } = seqConcatBackward(w, s);
      const loss = () => dot(seqConcat(head, tail, s), w);
      for (const [x, g, what] of [[head, dHead, 'dHead'], [tail, dTail, 'dTail']] as const) {
        const r = compareGrads(g, finiteDifference(x, loss), 1e-8, 1e-7);
        expect(r.ok, `${what} ${JSON.stringify(r)}`).toBe(true);
      }
    });
  }
  it('puts the head rows first in every example', () => {
    const out = seqConcat(Float64Array.from([9]), Float64Array.from([1, 2, 3, 4]), { B: 2, P: 1, T: 2, W: 1, headShared: true });
    expect([...out]).toEqual([9, 1, 2, 9, 3, 4]);
  });
});
