// The L-Tuning heads (prefix, prompt) on the GPU vs their float64 references: logits and every parameter gradient
// on padded batches with padded label texts (a shape change between calls, an odd shape), AdamW steps following
// the reference loss curve, and clear errors for bad input.
import { describe, expect, it } from 'vitest';
import { adamwStep as refAdamw } from '../../reference/adamw';
import { softmaxCrossEntropy as refCE } from '../../reference/cross-entropy';
import { clipScale, globalGradNorm } from '../../reference/grad-norm';
import { ltuningPrefixBackwardRef, ltuningPrefixForwardRef, type LTuningRefBatch } from '../../reference/heads/ltuning-prefix';
import { ltuningPromptBackwardRef, ltuningPromptForwardRef } from '../../reference/heads/ltuning-prompt';
import { withErrorScopes, type GpuEngine } from '../../src/gpu/engine';
import type { HeadBatch } from '../../src/heads/head';
import { ltuningInit, resolveLTuning, type LTuningConfig, type LTuningKind, type LTuningResolved } from '../../src/heads/ltuning-config';
import { LTuningPrefixHead, type LTuningHeadBase } from '../../src/heads/ltuning-prefix';
import { LTuningPromptHead } from '../../src/heads/ltuning-prompt';
import { adamwStep } from '../../src/kernels/adamw';
import { softmaxCrossEntropy } from '../../src/kernels/cross-entropy';
import { zero } from '../../src/kernels/fill';
import { createGradNormPartials, gradNorm } from '../../src/kernels/grad-norm';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

type P = Record<string, Float64Array>;

/** Label inputs: label token lengths cycle 2, 4, 3 within Tl = 4 (zero-padded), plus pooled seeds. */
function labelInputs(L: number, C: number, seed: number): Pick<LTuningConfig, 'Tl' | 'labelTokens' | 'labelMask' | 'labelSeeds'> {
  const Tl = 4;
  const labelMask = new Float64Array(L * Tl);
  for (let l = 0; l < L; l++) labelMask.fill(1, l * Tl, l * Tl + [2, 4, 3][l % 3]);
  const labelTokens = randn(L * Tl * C, seed);
  for (let i = 0; i < L * Tl; i++) if (!labelMask[i]) labelTokens.fill(0, i * C, (i + 1) * C);
  return { Tl, labelTokens, labelMask, labelSeeds: randn(L * C, seed + 1) };
}

/** A padded batch: example 1 keeps `len1` tokens, example 2 (if any) keeps 1 token; padding rows are zero. */
function makeBatch(B: number, T: number, C: number, seed: number, len1: number): LTuningRefBatch {
  const mask = new Float64Array(B * T).fill(1);
  for (let t = len1; t < T; t++) mask[1 * T + t] = 0;
  if (B > 2) for (let t = 1; t < T; t++) mask[2 * T + t] = 0;
  const F = randn(B * T * C, seed);
  for (let i = 0; i < B * T; i++) if (!mask[i]) F.fill(0, i * C, (i + 1) * C);
  return { B, T, F, mask };
}

function toGpu(e: GpuEngine, b: LTuningRefBatch, C: number): HeadBatch {
  return {
    B: b.B,
    T: b.T,
    tokens: upload(e, b.F, [b.B, b.T, C], 'tokens'),
    mask: upload(e, b.mask, [b.B, b.T], 'mask'),
    pooled: upload(e, new Float64Array(b.B * C), [b.B, C], 'pooled'),
    pooledB: null,
  };
}

function releaseBatch(b: HeadBatch): void {
  b.tokens.release();
  b.mask.release();
  b.pooled.release();
}

const makeHead = (kind: LTuningKind, e: GpuEngine, cfg: LTuningConfig, init?: P): LTuningHeadBase =>
  kind === 'label-attn-prefix' ? new LTuningPrefixHead(e, cfg, init) : new LTuningPromptHead(e, cfg, init);

function refRun(kind: LTuningKind, r: LTuningResolved, p: P, b: LTuningRefBatch) {
  if (kind === 'label-attn-prefix') {
    const f = ltuningPrefixForwardRef(r, p, b);
    return { logits: f.logits, backward: (dZ: Float64Array) => ltuningPrefixBackwardRef(r, p, f.cache, dZ) };
  }
  const f = ltuningPromptForwardRef(r, p, b);
  return { logits: f.logits, backward: (dZ: Float64Array) => ltuningPromptBackwardRef(r, p, f.cache, dZ) };
}

function perturbed(kind: LTuningKind, cfg: LTuningConfig): P {
  const p = ltuningInit(resolveLTuning(kind, cfg));
  Object.keys(p).forEach((k, i) => {
    const noise = randn(p[k].length, 900 + i, 0.2);
    p[k] = p[k].map((x, j) => Math.fround(x + noise[j]));
  });
  return p;
}

/** `maybeZero`: parameters whose gradient is legitimately 0 here (e.g. query/key weights when only one key is kept). */
async function checkGrads(kind: LTuningKind, cfg: LTuningConfig, batches: LTuningRefBatch[], atol: number, rtol: number, maybeZero: string[] = []): Promise<void> {
  const e = await testEngine();
  const r = resolveLTuning(kind, cfg);
  const p = perturbed(kind, cfg);
  await withErrorScopes(e.device, async () => {
    const head = makeHead(kind, e, cfg, p);
    expect(head.kind).toBe(kind);
    expect(head.labels).toBe(r.L);
    for (const [bi, rb] of batches.entries()) {
      const batch = toGpu(e, rb, r.C);
      const w = randn(rb.B * r.L, 77 + bi);
      const dZ = upload(e, w, [rb.B, r.L], 'dZ');
      for (const hp of head.params) zero(e, hp.grad);
      const z = head.forward(e, batch, true);
      head.backward(e, batch, dZ);
      const ref = refRun(kind, r, p, rb);
      const g = ref.backward(w);
      expectClose(await z.read(), ref.logits, atol, rtol, `${kind} batch ${bi} logits`);
      for (const hp of head.params) {
        const scale = Math.max(...g[hp.name].map(Math.abs));
        if (!maybeZero.includes(hp.name)) expect(scale, `${kind} d${hp.name} is all zero in the reference`).toBeGreaterThan(0);
        expectClose(await hp.grad.read(), g[hp.name], atol * Math.max(1, scale), rtol, `${kind} batch ${bi} d${hp.name}`);
      }
      dZ.release();
      releaseBatch(batch);
    }
    head.dispose();
  });
}

async function trainCurve(kind: LTuningKind): Promise<void> {
  const e = await testEngine();
  const C = 10;
  const L = 3;
  const cfg: LTuningConfig = { C, L, d: 8, H: 2, m: 2, seed: 3, ...labelInputs(L, C, 6) };
  const r = resolveLTuning(kind, cfg);
  const rb = makeBatch(3, 7, C, 40, 4);
  const targets = Uint32Array.from([2, 0, 1]);
  const O = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, maxNorm: 1, wd: 0.01, steps: 10 };
  const p = ltuningInit(r);
  const m: P = {};
  const v: P = {};
  for (const k of Object.keys(p)) {
    m[k] = new Float64Array(p[k].length);
    v[k] = new Float64Array(p[k].length);
  }
  const refLosses: number[] = [];
  await withErrorScopes(e.device, async () => {
    const head = makeHead(kind, e, cfg);
    const decay = new Map(head.params.map((hp) => [hp.name, hp.decay]));
    for (let step = 1; step <= O.steps; step++) {
      const f = refRun(kind, r, p, rb);
      const ce = refCE(f.logits, targets, rb.B, L, null, 0);
      refLosses.push(ce.mean);
      const g = f.backward(ce.dLogits);
      const scale = clipScale(globalGradNorm(head.params.map((hp) => g[hp.name])), O.maxNorm);
      for (const hp of head.params) {
        refAdamw(p[hp.name], g[hp.name], m[hp.name], v[hp.name], { lr: O.lr, beta1: O.beta1, beta2: O.beta2, eps: O.eps, weightDecay: decay.get(hp.name) ? O.wd : 0, step }, scale);
      }
    }
    const batch = toGpu(e, rb, C);
    const t = (shape: number[], label: string, init?: Uint32Array) => e.tensor(shape, label, init);
    const a = { targets: t([3], 'targets', targets), loss: t([3], 'loss'), correct: t([3], 'correct'), stats: t([2], 'stats'), dZ: t([3, L], 'dZ'), clip: t([2], 'clip') };
    const ms = head.params.map((hp) => e.zeros(hp.value.shape, `m.${hp.name}`));
    const vs = head.params.map((hp) => e.zeros(hp.value.shape, `v.${hp.name}`));
    const grads = head.params.map((hp) => hp.grad);
    const partials = createGradNormPartials(e, grads);
    const gpuLosses: number[] = [];
    for (let step = 1; step <= O.steps; step++) {
      const z = head.forward(e, batch, true);
      softmaxCrossEntropy(e, { logits: z, targets: a.targets, weights: null, loss: a.loss, dLogits: a.dZ, correct: a.correct, stats: a.stats }, { labelSmoothing: 0 });
      head.backward(e, batch, a.dZ);
      gradNorm(e, grads, a.clip, partials, O.maxNorm);
      head.params.forEach((hp, i) => {
        adamwStep(e, { param: hp.value, grad: hp.grad, m: ms[i], v: vs[i], clip: a.clip }, { lr: O.lr, beta1: O.beta1, beta2: O.beta2, eps: O.eps, weightDecay: hp.decay ? O.wd : 0, step, zeroGrad: true });
      });
      gpuLosses.push((await a.stats.read())[0]);
    }
    console.info(`[${kind}] loss ${gpuLosses[0].toFixed(4)} -> ${gpuLosses.at(-1)!.toFixed(4)}`);
    expect(gpuLosses.at(-1)!).toBeLessThan(0.8 * gpuLosses[0]);
    expectClose(gpuLosses, refLosses, 1e-4, 1e-4, `${kind} loss curve`);
    // c (one scalar added to every label's logit) has an exactly-zero softmax-CE gradient: on the GPU it is
    // rounding noise that Adam scales up, so only the other parameters are compared (the loss ignores c).
    for (const hp of head.params) if (hp.name !== 'c') expectClose(await hp.value.read(), p[hp.name], 2e-4, 2e-3, `${kind} final ${hp.name}`);
    for (const x of [...ms, ...vs, partials, ...Object.values(a)]) x.release();
    head.dispose();
    releaseBatch(batch);
  });
}

describe('L-Tuning heads on the GPU vs the float64 reference', () => {
  for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as const) {
    it(`${kind}: tiny shape, logits and every gradient; then another batch shape reuses the head`, async () => {
      const cfg: LTuningConfig = { C: 6, d: 8, H: 2, L: 3, m: 2, seed: 1, ...labelInputs(3, 6, 5) };
      await checkGrads(kind, cfg, [makeBatch(2, 5, 6, 10, 3), makeBatch(3, 4, 6, 20, 2)], 2e-5, 1e-4);
    });

    it(`${kind}: odd shapes (C = 70, T = 37, L = 5, m = 3, d = 16, H = 4)`, async () => {
      const cfg: LTuningConfig = { C: 70, d: 16, H: 4, L: 5, m: 3, seed: 2, ...labelInputs(5, 70, 8) };
      await checkGrads(kind, cfg, [makeBatch(3, 37, 70, 30, 20)], 5e-5, 2e-4);
    });

    it(`${kind}: edge shapes (L = 2, m = 1, one example of one token, label texts of 2 and 4 tokens)`, async () => {
      const cfg: LTuningConfig = { C: 5, d: 4, H: 1, L: 2, m: 1, seed: 4, ...labelInputs(2, 5, 9) };
      // one key: its softmax weight is 1 whatever the scores, so the score weights get no gradient
      await checkGrads(kind, cfg, [makeBatch(1, 1, 5, 50, 1)], 2e-5, 1e-4, ['Wk', 'Wq', 'bq']);
    });

    it(`${kind}: AdamW steps (softmax CE over labels) follow the reference loss curve`, async () => {
      await trainCurve(kind);
    });
  }

  it('rejects a batch of the wrong width, a backward before its forward, wrong dLogits and a wrong init size', async () => {
    const e = await testEngine();
    const cfg: LTuningConfig = { C: 6, d: 8, H: 2, L: 3, m: 2, seed: 1, ...labelInputs(3, 6, 5) };
    await withErrorScopes(e.device, async () => {
      for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as const) {
        const head = makeHead(kind, e, cfg);
        const good = toGpu(e, makeBatch(2, 5, 6, 10, 3), 6);
        const wide = toGpu(e, makeBatch(2, 5, 7, 10, 3), 7);
        const dZ = e.tensor([2, 3], 'dZ');
        expect(() => head.forward(e, wide, true)).toThrow(/batch.tokens .* expected 60/);
        expect(() => head.backward(e, good, dZ)).toThrow(/no forward/);
        head.forward(e, good, true);
        const dZ3 = e.tensor([3, 3], 'dZ3');
        expect(() => head.backward(e, good, dZ3)).toThrow(/dLogits/);
        expect(() => makeHead(kind, e, cfg, { u: new Float64Array(5) })).toThrow(/init for u/);
        for (const x of [dZ, dZ3]) x.release();
        head.dispose();
        releaseBatch(good);
        releaseBatch(wide);
      }
    });
  });
});
