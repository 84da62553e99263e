// The float64 tiny stack used by the GPU training test: its composed backward must match finite differences of
// the composed loss (so the GPU comparison is against a correct oracle), and 30 steps must reduce the loss.
import { describe, expect, it } from 'vitest';
import { compareGrads, finiteDifference } from '../../reference/gradcheck';
import { OPT, PARAMS, initParams, makeData, referenceLossAndGrads, referenceStep, type ParamName } from '../helpers/tiny-stack';

const zerosLike = (p: Record<ParamName, Float64Array>) =>
  Object.fromEntries(Object.entries(p).map(([k, x]) => [k, new Float64Array(x.length)])) as Record<ParamName, Float64Array>;

describe('reference tiny stack', () => {
  it('composed backward matches central finite differences for every parameter', () => {
    const data = makeData();
    const p = initParams();
    const { g } = referenceLossAndGrads(p, data);
    for (const { name } of PARAMS) {
      const numeric = finiteDifference(p[name], () => referenceLossAndGrads(p, data).loss, 1e-5);
      const r = compareGrads(g[name], numeric, 1e-7, 1e-5);
      expect(r.ok, `${name}: max abs err ${r.maxAbsErr} at ${r.worstIndex}`).toBe(true);
    }
  });

  it('training for 30 AdamW steps lowers the loss', () => {
    const data = makeData();
    const p = initParams();
    const m = zerosLike(p);
    const v = zerosLike(p);
    const losses: number[] = [];
    for (let step = 1; step <= OPT.steps; step++) losses.push(referenceStep(p, m, v, data, step));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
    expect(PARAMS.length).toBe(8);
  });
});
