import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { binaryCrossEntropy, softmaxCrossEntropy } from '../../src/kernels/cross-entropy';
import * as ref from '../../reference/cross-entropy';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn, rng, uniform } from '../helpers/rng';

// Loss values reach ~200 at logits of +-100 (f32 ulp there ~1.5e-5); gradients are O(1/B).
const LOSS_ATOL = 2e-5;
const LOSS_RTOL = 1e-5;
const GRAD_ATOL = 1e-6;
const GRAD_RTOL = 1e-4;

interface SoftCase {
  name: string;
  B: number;
  L: number;
  smoothing?: number;
  weighted?: boolean;
  extreme?: boolean;
  ignore?: number[];
  stats?: number;
  gradScale?: number;
}

const softCases: SoftCase[] = [
  { name: 'B=37 L=3', B: 37, L: 3 },
  { name: 'B=37 L=3 smoothing 0.1 + class weights', B: 37, L: 3, smoothing: 0.1, weighted: true },
  { name: 'B=37 L=1 smoothing 0.1', B: 37, L: 1, smoothing: 0.1 },
  { name: 'B=37 L=3 logits +-100, smoothing 0.1, weights', B: 37, L: 3, smoothing: 0.1, weighted: true, extreme: true },
  { name: 'B=37 L=70 (more labels than the workgroup) smoothing 0.1', B: 37, L: 70, smoothing: 0.1 },
  { name: 'B=300 L=5 ignored rows, weights, stats (1), gradScale 0.5', B: 300, L: 5, weighted: true, ignore: [0, 17, 299], stats: 1, gradScale: 0.5 },
  { name: 'B=2 L=3 all rows ignored', B: 2, L: 3, ignore: [0, 1] },
];

describe('softmax cross-entropy kernel (GPU vs float64 reference)', () => {
  for (const c of softCases) {
    it(c.name, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const { B, L } = c;
        const r = rng(B * 7 + L);
        const logits = c.extreme
          ? Float64Array.from({ length: B * L }, () => [100, -100, 0, 99.5, -99.5][Math.floor(r() * 5)])
          : randn(B * L, B + L, 2);
        // a row of exact ties: argmax must be the first index
        if (L > 1) for (let j = 0; j < L; j++) logits[4 * L + j] = 0.25;
        const targets = Uint32Array.from({ length: B }, () => Math.floor(r() * L));
        targets[4] = 0;
        for (const i of c.ignore ?? []) targets[i] = i % 2 ? L : 0xffffffff;
        const w = c.weighted ? uniform(L, 3, 0.2, 3) : null;
        const want = ref.softmaxCrossEntropy(logits, targets, B, L, w, c.smoothing ?? 0);
        const tLogits = upload(e, logits, [B, L], 'logits');
        const tTargets = e.tensor([B], 'targets', targets);
        const tW = w ? upload(e, w, [L], 'classWeights') : null;
        const tLoss = e.tensor([B], 'loss');
        const tD = e.tensor([B, L], 'dLogits', new Float32Array(B * L).fill(NaN)); // overwrite, not accumulate
        const tCorrect = e.tensor([B], 'correct');
        const nStats = c.stats ?? 2;
        const tStats = e.tensor([nStats], 'stats', new Float32Array(nStats).fill(-7));
        softmaxCrossEntropy(
          e,
          { logits: tLogits, targets: tTargets, weights: tW, loss: tLoss, dLogits: tD, correct: tCorrect, stats: tStats },
          { labelSmoothing: c.smoothing, gradScale: c.gradScale },
        );
        const gs = c.gradScale ?? 1;
        expectClose(await tLoss.read(), want.loss, LOSS_ATOL, LOSS_RTOL, 'loss');
        expectClose(await tD.read(), want.dLogits.map((g) => g * gs), GRAD_ATOL, GRAD_RTOL, 'dLogits');
        expectClose(await tCorrect.read(), want.correct, 0, 0, 'correct');
        const stats = await tStats.read();
        const correctCount = want.correct.reduce((a, b) => a + b, 0);
        expectClose(stats, nStats === 2 ? [want.mean, correctCount] : [want.mean], LOSS_ATOL, LOSS_RTOL, 'stats');
        if (L === 1) {
          expect([...(await tLoss.read())].every((l) => l === 0)).toBe(true);
          expect([...(await tD.read())].every((g) => g === 0)).toBe(true);
        }
        if (L > 1 && !(c.ignore?.length === B)) {
          // the case is not trivial: gradients and losses are not all zero
          expect(Math.max(...want.dLogits.map(Math.abs))).toBeGreaterThan(1e-4);
          expect(want.mean).toBeGreaterThan(0.01);
        }
        for (const t of [tLogits, tTargets, tW, tLoss, tD, tCorrect, tStats]) t?.release();
      });
    });
  }

  it('rejects mismatched shapes and aliasing', async () => {
    const e = await testEngine();
    const logits = e.tensor([4, 3], 'logits');
    const ok = { logits, targets: e.tensor([4], 't'), loss: e.tensor([4], 'l'), dLogits: e.tensor([4, 3], 'd'), correct: e.tensor([4], 'c'), stats: e.tensor([2], 's') };
    expect(() => softmaxCrossEntropy(e, { ...ok, targets: e.tensor([5], 't5') })).toThrow(/targets/);
    expect(() => softmaxCrossEntropy(e, { ...ok, dLogits: e.tensor([4, 2], 'd2') })).toThrow(/dLogits/);
    expect(() => softmaxCrossEntropy(e, { ...ok, weights: e.tensor([4], 'w4') })).toThrow(/weights/);
    expect(() => softmaxCrossEntropy(e, { ...ok, dLogits: logits })).toThrow(/aliases/);
    expect(() => softmaxCrossEntropy(e, ok, { labelSmoothing: 1 })).toThrow(/labelSmoothing/);
    expect(() => softmaxCrossEntropy(e, { ...ok, logits: e.tensor([12], 'flat') })).toThrow(/\(B, L\)/);
  });
});

describe('binary cross-entropy kernel (GPU vs float64 reference)', () => {
  const cases = [
    { name: 'B=37', B: 37, weighted: false, extreme: false },
    { name: 'B=37 weights, logits +-100', B: 37, weighted: true, extreme: true },
    { name: 'B=601 weights (more than one pass of the workgroup), gradScale 2', B: 601, weighted: true, extreme: false, gradScale: 2 },
    { name: 'B=1', B: 1, weighted: false, extreme: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const { B } = c;
        const r = rng(B + 99);
        const logits = c.extreme ? Float64Array.from({ length: B }, () => [100, -100, 0, 99.5, -99.5, 3][Math.floor(r() * 6)]) : randn(B, B, 3);
        const targets = Float64Array.from({ length: B }, () => (r() < 0.5 ? 0 : 1));
        if (B === 1) targets[0] = 1;
        const w = c.weighted ? uniform(B, 5, 0, 2) : null;
        const want = ref.binaryCrossEntropy(logits, targets, w);
        const tLogits = upload(e, logits, [B], 'logits');
        const tTargets = upload(e, targets, [B], 'targets');
        const tW = w ? upload(e, w, [B], 'weights') : null;
        const tLoss = e.tensor([B], 'loss');
        const tD = e.tensor([B], 'dLogits', new Float32Array(B).fill(NaN));
        const tCorrect = e.tensor([B], 'correct');
        const tStats = e.tensor([2], 'stats');
        binaryCrossEntropy(e, { logits: tLogits, targets: tTargets, weights: tW, loss: tLoss, dLogits: tD, correct: tCorrect, stats: tStats }, { gradScale: c.gradScale });
        const gs = c.gradScale ?? 1;
        expectClose(await tLoss.read(), want.loss, LOSS_ATOL, LOSS_RTOL, 'loss');
        expectClose(await tD.read(), want.dLogits.map((g) => g * gs), GRAD_ATOL, GRAD_RTOL, 'dLogits');
        expectClose(await tCorrect.read(), want.correct, 0, 0, 'correct');
        expectClose(await tStats.read(), [want.mean, want.correct.reduce((a, b) => a + b, 0)], LOSS_ATOL, LOSS_RTOL, 'stats');
        expect(Math.max(...want.dLogits.map(Math.abs))).toBeGreaterThan(1e-4);
        for (const t of [tLogits, tTargets, tW, tLoss, tD, tCorrect, tStats]) t?.release();
      });
    });
  }
});
