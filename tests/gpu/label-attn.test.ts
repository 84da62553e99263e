// The label-attention heads, version 2 (prefix, prompt; single texts and side-by-side pairs), on the GPU vs their
// float64 reference: logits and every parameter gradient on padded batches with padded label texts (a shape
// change between calls, an odd shape), AdamW steps following the reference loss curve, and clear errors.
import { describe, expect, it } from 'vitest';
import { adamwStep as refAdamw } from '../../reference/adamw';
import { softmaxCrossEntropy as refCE } from '../../reference/cross-entropy';
import { clipScale, globalGradNorm } from '../../reference/grad-norm';
import { labelAttnBackwardRef, labelAttnForwardRef, type LabelAttnRefBatch } from '../../reference/heads/label-attn';
import { withErrorScopes, type GpuEngine } from '../../src/gpu/engine';
import type { HeadBatch } from '../../src/heads/head';
import { LabelAttnHead } from '../../src/heads/label-attn';
import { labelAttnInit, resolveLabelAttn, type LabelAttnConfig, type LabelAttnKind } from '../../src/heads/label-attn-config';
import { adamwStep } from '../../src/kernels/adamw';
import { softmaxCrossEntropy } from '../../src/kernels/cross-entropy';
import { zero } from '../../src/kernels/fill';
import { createGradNormPartials, gradNorm } from '../../src/kernels/grad-norm';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

type P = Record<string, Float64Array>;

/** Label inputs at USE-lite-like scale (rms ~30): lengths cycle 2, 4, 3 within Tl = 4 (zero-padded), plus seeds. */
function labelInputs(L: number, C: number, seed: number): Pick<LabelAttnConfig, 'Tl' | 'labelTokens' | 'labelMask' | 'labelSeeds'> {
  const Tl = 4;
  const labelMask = new Float64Array(L * Tl);
  for (let l = 0; l < L; l++) labelMask.fill(1, l * Tl, l * Tl + [2, 4, 3][l % 3]);
  const labelTokens = randn(L * Tl * C, seed, 30);
  for (let i = 0; i < L * Tl; i++) if (!labelMask[i]) labelTokens.fill(0, i * C, (i + 1) * C);
  return { Tl, labelTokens, labelMask, labelSeeds: randn(L * C, seed + 1, 0.05) };
}

function makeBatch(B: number, T: number, C: number, seed: number, len1: number, pair: boolean): LabelAttnRefBatch {
  const mask = new Float64Array(B * T).fill(1);
  for (let t = len1; t < T; t++) mask[1 * T + t] = 0;
  if (B > 2) for (let t = 1; t < T; t++) mask[2 * T + t] = 0;
  const F = randn(B * T * C, seed);
  for (let i = 0; i < B * T; i++) if (!mask[i]) F.fill(0, i * C, (i + 1) * C);
  return { B, T, F, mask, pooled: randn(B * C, seed + 1), pooledB: pair ? randn(B * C, seed + 2) : null };
}

function toGpu(e: GpuEngine, b: LabelAttnRefBatch, C: number): HeadBatch {
  return {
    B: b.B,
    T: b.T,
    tokens: upload(e, b.F, [b.B, b.T, C], 'tokens'),
    mask: upload(e, b.mask, [b.B, b.T], 'mask'),
    pooled: upload(e, b.pooled, [b.B, C], 'pooled'),
    pooledB: b.pooledB ? upload(e, b.pooledB, [b.B, C], 'pooledB') : null,
  };
}

function releaseBatch(b: HeadBatch): void {
  for (const x of [b.tokens, b.mask, b.pooled, b.pooledB]) x?.release();
}

function perturbed(kind: LabelAttnKind, cfg: LabelAttnConfig): P {
  const p = labelAttnInit(resolveLabelAttn(kind, cfg));
  Object.keys(p).forEach((k, i) => {
    const noise = randn(p[k].length, 900 + i, 0.2);
    p[k] = p[k].map((x, j) => Math.fround(x + noise[j]));
  });
  return p;
}

async function checkGrads(kind: LabelAttnKind, cfg: LabelAttnConfig, batches: LabelAttnRefBatch[], atol: number, rtol: number): Promise<void> {
  const e = await testEngine();
  const r = resolveLabelAttn(kind, cfg);
  const p = perturbed(kind, cfg);
  await withErrorScopes(e.device, async () => {
    const head = new LabelAttnHead(e, kind, cfg, p);
    expect(head.kind).toBe(kind);
    expect(head.labels).toBe(r.L);
    for (const [bi, rb] of batches.entries()) {
      const batch = toGpu(e, rb, r.C);
      const w = randn(rb.B * r.L, 77 + bi);
      const dZ = upload(e, w, [rb.B, r.L], 'dZ');
      for (const hp of head.params) zero(e, hp.grad);
      const z = head.forward(e, batch, true);
      head.backward(e, batch, dZ);
      const f = labelAttnForwardRef(r, p, rb);
      const g = labelAttnBackwardRef(r, p, f.cache, w);
      expectClose(await z.read(), f.logits, atol, rtol, `${kind} batch ${bi} logits`);
      for (const hp of head.params) {
        const scale = Math.max(...g[hp.name].map(Math.abs));
        expect(scale, `${kind} d${hp.name} is all zero in the reference`).toBeGreaterThan(0);
        expectClose(await hp.grad.read(), g[hp.name], atol * Math.max(1, scale), rtol, `${kind} batch ${bi} d${hp.name}`);
      }
      dZ.release();
      releaseBatch(batch);
    }
    head.dispose();
  });
}

async function trainCurve(kind: LabelAttnKind): Promise<void> {
  const e = await testEngine();
  const C = 10;
  const L = 3;
  const cfg: LabelAttnConfig = { C, L, d: 8, H: 2, m: 2, ffnMult: 2, seed: 3, ...labelInputs(L, C, 6) };
  const r = resolveLabelAttn(kind, cfg);
  const rb = makeBatch(3, 7, C, 40, 4, false);
  const targets = Uint32Array.from([2, 0, 1]);
  const O = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, maxNorm: 1, wd: 0.01, steps: 10 };
  const p = labelAttnInit(r);
  const m: P = {};
  const v: P = {};
  for (const k of Object.keys(p)) {
    m[k] = new Float64Array(p[k].length);
    v[k] = new Float64Array(p[k].length);
  }
  const refLosses: number[] = [];
  await withErrorScopes(e.device, async () => {
    const head = new LabelAttnHead(e, kind, cfg);
    const decay = new Map(head.params.map((hp) => [hp.name, hp.decay]));
    for (let step = 1; step <= O.steps; step++) {
      const f = labelAttnForwardRef(r, p, rb);
      const ce = refCE(f.logits, targets, rb.B, L, null, 0);
      refLosses.push(ce.mean);
      const g = labelAttnBackwardRef(r, p, f.cache, ce.dLogits);
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
    console.info(`[${kind} v2] loss ${gpuLosses[0].toFixed(4)} -> ${gpuLosses.at(-1)!.toFixed(4)}`);
    expect(gpuLosses.at(-1)!).toBeLessThan(0.8 * gpuLosses[0]);
    expectClose(gpuLosses, refLosses, 1e-4, 1e-4, `${kind} loss curve`);
    for (const x of [...ms, ...vs, partials, ...Object.values(a)]) x.release();
    head.dispose();
    releaseBatch(batch);
  });
}

describe('label-attention heads v2 on the GPU vs the float64 reference', () => {
  for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as const) {
    it(`${kind}: tiny shape, logits and every gradient; then another batch shape reuses the head`, async () => {
      const cfg: LabelAttnConfig = { C: 6, d: 8, H: 2, L: 3, m: 2, ffnMult: 2, seed: 1, ...labelInputs(3, 6, 5) };
      await checkGrads(kind, cfg, [makeBatch(2, 5, 6, 10, 3, false), makeBatch(3, 4, 6, 20, 2, false)], 2e-5, 1e-4);
    });

    it(`${kind}: side-by-side pairs (pair token + shortcut), odd shapes (C = 70, T = 37, L = 5, m = 3, d = 16)`, async () => {
      const cfg: LabelAttnConfig = { C: 70, d: 16, H: 4, L: 5, m: 3, ffnMult: 2, seed: 2, pair: true, ...labelInputs(5, 70, 8) };
      await checkGrads(kind, cfg, [makeBatch(3, 37, 70, 30, 20, true)], 5e-5, 2e-4);
    });

    it(`${kind}: AdamW steps (softmax CE over labels) follow the reference loss curve`, async () => {
      await trainCurve(kind);
    });
  }

  it('rejects a batch of the wrong width or pair mode, a backward before its forward, wrong dLogits and a wrong init size', async () => {
    const e = await testEngine();
    const cfg: LabelAttnConfig = { C: 6, d: 8, H: 2, L: 3, m: 2, seed: 1, ...labelInputs(3, 6, 5) };
    await withErrorScopes(e.device, async () => {
      for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as const) {
        const head = new LabelAttnHead(e, kind, cfg);
        const good = toGpu(e, makeBatch(2, 5, 6, 10, 3, false), 6);
        const wide = toGpu(e, makeBatch(2, 5, 7, 10, 3, false), 7);
        const pairs = toGpu(e, makeBatch(2, 5, 6, 10, 3, true), 6);
        const dZ = e.tensor([2, 3], 'dZ');
        expect(() => head.forward(e, wide, true)).toThrow(/batch.tokens .* expected 60/);
        expect(() => head.forward(e, pairs, true)).toThrow(/pair: true/);
        expect(() => head.backward(e, good, dZ)).toThrow(/no forward/);
        head.forward(e, good, true);
        const dZ3 = e.tensor([3, 3], 'dZ3');
        expect(() => head.backward(e, good, dZ3)).toThrow(/dLogits/);
        expect(() => new LabelAttnHead(e, kind, cfg, { u: new Float64Array(5) })).toThrow(/init for u/);
        for (const x of [dZ, dZ3]) x.release();
        head.dispose();
        for (const b of [good, wide, pairs]) releaseBatch(b);
      }
    });
  });
});
