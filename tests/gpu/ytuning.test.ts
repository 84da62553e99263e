// The Y-Tuning head on the GPU vs its float64 reference (reference/heads/ytuning.ts): logits and every parameter
// gradient on padded batches (label seeds / random queries, N = 1 / 2, a shape change between calls, single texts
// and pairs encoded side by side), and a few AdamW steps (clip + AdamW kernels as the trainer will use them)
// following the reference loss curve, for a single-text and a pair head; the cross-attention readout.
import { describe, expect, it } from 'vitest';
import { adamwStep as refAdamw } from '../../reference/adamw';
import { softmaxCrossEntropy as refCE } from '../../reference/cross-entropy';
import { clipScale, globalGradNorm } from '../../reference/grad-norm';
import { ytuningBackwardRef, ytuningForwardRef, type YTuningRefBatch } from '../../reference/heads/ytuning';
import { withErrorScopes, type GpuEngine } from '../../src/gpu/engine';
import type { HeadBatch } from '../../src/heads/head';
import { YTuningHead } from '../../src/heads/ytuning';
import { resolveYTuning, ytuningInit, type YTuningConfig } from '../../src/heads/ytuning-config';
import { adamwStep } from '../../src/kernels/adamw';
import { softmaxCrossEntropy } from '../../src/kernels/cross-entropy';
import { zero } from '../../src/kernels/fill';
import { createGradNormPartials, gradNorm } from '../../src/kernels/grad-norm';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

/** A padded batch: example 1 keeps `len1` tokens, example 2 (if any) keeps 1 token; padding rows are zero.
 *  `pair`: side B's pooled vectors too (one entry equal to side A's, so |u - v| has a zero). */
function makeBatch(B: number, T: number, C: number, seed: number, len1: number, pair = false): YTuningRefBatch {
  const mask = new Float64Array(B * T).fill(1);
  for (let t = len1; t < T; t++) mask[1 * T + t] = 0;
  if (B > 2) for (let t = 1; t < T; t++) mask[2 * T + t] = 0;
  const F = randn(B * T * C, seed);
  for (let i = 0; i < B * T; i++) if (!mask[i]) F.fill(0, i * C, (i + 1) * C);
  const pooled = randn(B * C, seed + 1);
  const pooledB = pair ? randn(B * C, seed + 2).map((x, i) => (i === 0 ? pooled[0] : x)) : null;
  return { B, T, F, mask, pooled, pooledB };
}

function toGpu(e: GpuEngine, b: YTuningRefBatch, C: number): HeadBatch {
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
  b.tokens.release();
  b.mask.release();
  b.pooled.release();
  b.pooledB?.release();
}

/** Parameters moved off their init (zero biases, unit LN scales) so every path carries a generic signal. */
function perturbed(cfg: YTuningConfig): Record<string, Float64Array> {
  const p = ytuningInit(resolveYTuning(cfg));
  Object.keys(p).forEach((k, i) => {
    const noise = randn(p[k].length, 900 + i, 0.2);
    p[k] = p[k].map((x, j) => Math.fround(x + noise[j]));
  });
  return p;
}

async function checkGrads(cfg: YTuningConfig, batches: YTuningRefBatch[], atol: number, rtol: number): Promise<void> {
  const e = await testEngine();
  const r = resolveYTuning(cfg);
  const p = perturbed(cfg);
  await withErrorScopes(e.device, async () => {
    const head = new YTuningHead(e, cfg, p);
    for (const [bi, rb] of batches.entries()) {
      const batch = toGpu(e, rb, r.C);
      const w = randn(rb.B * r.L, 77 + bi);
      const dZ = upload(e, w, [rb.B, r.L], 'dZ');
      for (const hp of head.params) zero(e, hp.grad);
      const z = head.forward(e, batch, true);
      head.backward(e, batch, dZ);
      // the head's bi-th training forward: dropout step bi
      const ref = ytuningForwardRef(r, p, rb, { step: bi });
      const g = ytuningBackwardRef(r, p, ref.cache, w);
      expectClose(await z.read(), ref.logits, atol, rtol, `batch ${bi} logits`);
      for (const hp of head.params) {
        const scale = Math.max(...g[hp.name].map(Math.abs));
        expectClose(await hp.grad.read(), g[hp.name], atol * Math.max(1, scale), rtol, `batch ${bi} d${hp.name}`);
      }
      dZ.release();
      releaseBatch(batch);
    }
    head.dispose();
  });
}

async function checkAdamw(cfg: YTuningConfig, rb: YTuningRefBatch, tag: string): Promise<void> {
  const e = await testEngine();
  const r = resolveYTuning(cfg);
  const targets = Uint32Array.from([2, 0, 1]);
  const O = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, maxNorm: 1, wd: 0.01, smoothing: 0.05, steps: 12 };
  // reference
  const p = ytuningInit(r);
  const m: Record<string, Float64Array> = {};
  const v: Record<string, Float64Array> = {};
  for (const k of Object.keys(p)) {
    m[k] = new Float64Array(p[k].length);
    v[k] = new Float64Array(p[k].length);
  }
  const refLosses: number[] = [];
  await withErrorScopes(e.device, async () => {
    const head = new YTuningHead(e, cfg);
    const decay = new Map(head.params.map((hp) => [hp.name, hp.decay]));
    for (let step = 1; step <= O.steps; step++) {
      const f = ytuningForwardRef(r, p, rb, { step: step - 1 });
      const ce = refCE(f.logits, targets, rb.B, r.L, null, O.smoothing);
      refLosses.push(ce.mean);
      const g = ytuningBackwardRef(r, p, f.cache, ce.dLogits);
      const scale = clipScale(globalGradNorm(head.params.map((hp) => g[hp.name])), O.maxNorm);
      for (const hp of head.params) {
        refAdamw(p[hp.name], g[hp.name], m[hp.name], v[hp.name], { lr: O.lr, beta1: O.beta1, beta2: O.beta2, eps: O.eps, weightDecay: decay.get(hp.name) ? O.wd : 0, step }, scale);
      }
    }
    // GPU
    const batch = toGpu(e, rb, r.C);
    const t = (shape: number[], label: string, init?: Uint32Array) => e.tensor(shape, label, init);
    const a = { targets: t([3], 'targets', targets), loss: t([3], 'loss'), correct: t([3], 'correct'), stats: t([2], 'stats'), dZ: t([3, r.L], 'dZ'), clip: t([2], 'clip') };
    const ms = head.params.map((hp) => e.zeros(hp.value.shape, `m.${hp.name}`));
    const vs = head.params.map((hp) => e.zeros(hp.value.shape, `v.${hp.name}`));
    const grads = head.params.map((hp) => hp.grad);
    const partials = createGradNormPartials(e, grads);
    const gpuLosses: number[] = [];
    const before = e.dispatchCount;
    let headDispatches = 0;
    for (let step = 1; step <= O.steps; step++) {
      const d0 = e.dispatchCount;
      const z = head.forward(e, batch, true);
      softmaxCrossEntropy(e, { logits: z, targets: a.targets, weights: null, loss: a.loss, dLogits: a.dZ, correct: a.correct, stats: a.stats }, { labelSmoothing: O.smoothing });
      const d1 = e.dispatchCount;
      head.backward(e, batch, a.dZ);
      headDispatches = e.dispatchCount - d1 + (d1 - d0 - 2);
      gradNorm(e, grads, a.clip, partials, O.maxNorm);
      head.params.forEach((hp, i) => {
        adamwStep(e, { param: hp.value, grad: hp.grad, m: ms[i], v: vs[i], clip: a.clip }, { lr: O.lr, beta1: O.beta1, beta2: O.beta2, eps: O.eps, weightDecay: hp.decay ? O.wd : 0, step, zeroGrad: true });
      });
      gpuLosses.push((await a.stats.read())[0]);
    }
    console.info(
      `[ytuning${tag}] head forward+backward ${headDispatches} dispatches, whole step ${(e.dispatchCount - before) / O.steps}; loss ${gpuLosses[0].toFixed(4)} -> ${gpuLosses.at(-1)!.toFixed(4)}`,
    );
    expect(gpuLosses.at(-1)!).toBeLessThan(0.8 * gpuLosses[0]);
    expectClose(gpuLosses, refLosses, 1e-4, 1e-4, 'loss curve');
    for (const hp of head.params) expectClose(await hp.value.read(), p[hp.name], 2e-4, 2e-3, `final ${hp.name}`);
    if (r.pair) {
      const Wsc = await head.params.find((hp) => hp.name === 'Wsc')!.value.read();
      expect(Math.max(...Wsc.map(Math.abs)), 'the zero-initialised shortcut Wsc moved').toBeGreaterThan(1e-3);
    }
    head.dispose();
    releaseBatch(batch);
  });
}

describe('Y-Tuning head on the GPU vs the float64 reference', () => {
  it('tiny shape with label seeds: logits and every gradient; then a shorter batch reuses the head', async () => {
    const cfg: YTuningConfig = { C: 6, d: 8, H: 2, L: 3, labelSeeds: randn(18, 5), seed: 1 };
    await checkGrads(cfg, [makeBatch(2, 5, 6, 10, 3), makeBatch(3, 4, 6, 20, 2)], 2e-5, 1e-4);
  });

  it('random queries, N = 2, odd shapes (C = 70, T = 37, L = 3, d = 16, H = 4)', async () => {
    const cfg: YTuningConfig = { C: 70, d: 16, H: 4, L: 3, N: 2, seed: 2 };
    await checkGrads(cfg, [makeBatch(3, 37, 70, 30, 20)], 5e-5, 2e-4);
  });

  it('AdamW steps lower the loss identically on the GPU and in the reference', async () => {
    await checkAdamw({ C: 10, d: 8, H: 2, L: 3, labelSeeds: randn(30, 6), seed: 3 }, makeBatch(3, 7, 10, 40, 4), '');
  });

  it('pair head: logits and every gradient (Wp (4C, d), the Wsc shortcut), then a shorter batch', async () => {
    const cfg: YTuningConfig = { C: 6, d: 8, H: 2, L: 3, labelSeeds: randn(18, 5), seed: 4, pair: true };
    await checkGrads(cfg, [makeBatch(2, 5, 6, 50, 3, true), makeBatch(3, 4, 6, 60, 2, true)], 2e-5, 1e-4);
  });

  it('pair head, random queries, N = 2, odd shapes (C = 35, T = 19, L = 5)', async () => {
    const cfg: YTuningConfig = { C: 35, d: 16, H: 4, L: 5, N: 2, seed: 5, pair: true };
    await checkGrads(cfg, [makeBatch(3, 19, 35, 70, 11, true)], 5e-5, 2e-4);
  });

  it('pair head: AdamW steps (the zero-initialised shortcut learns) match the reference', async () => {
    await checkAdamw({ C: 10, d: 8, H: 2, L: 3, labelSeeds: randn(30, 8), seed: 6, pair: true }, makeBatch(3, 7, 10, 80, 4, true), ' pair');
  });

  it('dropout 0.5, N = 2: logits and every gradient match the reference at training steps 0 and 1', async () => {
    const cfg: YTuningConfig = { C: 6, d: 8, H: 2, L: 3, N: 2, labelSeeds: randn(18, 11), seed: 12, dropout: 0.5 };
    await checkGrads(cfg, [makeBatch(2, 5, 6, 110, 3), makeBatch(2, 5, 6, 110, 3)], 2e-5, 1e-4);
  });

  it('dropout acts in training forwards only, with a new mask each step; dropout 0 trains on the inference forward', async () => {
    const e = await testEngine();
    const rb = makeBatch(3, 6, 6, 120, 4);
    const logits = async (cfg: YTuningConfig, trains: boolean[]) => {
      const r = resolveYTuning(cfg);
      const head = new YTuningHead(e, cfg, perturbed(cfg));
      const batch = toGpu(e, rb, r.C);
      const out: Float32Array[] = [];
      for (const t of trains) out.push(await head.forward(e, batch, t).read());
      head.dispose();
      releaseBatch(batch);
      return { out, r };
    };
    await withErrorScopes(e.device, async () => {
      const cfg: YTuningConfig = { C: 6, d: 8, H: 2, L: 3, seed: 13 };
      const { out, r } = await logits(cfg, [false, true, true, false]);
      expect(r.dropout, 'default dropout (DESIGN.md)').toBe(0.1);
      const p = perturbed(cfg);
      expectClose(out[0], ytuningForwardRef(r, p, rb).logits, 2e-5, 1e-4, 'inference logits');
      expectClose(out[1], ytuningForwardRef(r, p, rb, { step: 0 }).logits, 2e-5, 1e-4, 'training step 0');
      expectClose(out[2], ytuningForwardRef(r, p, rb, { step: 1 }).logits, 2e-5, 1e-4, 'training step 1');
      expect([...out[3]], 'inference does not advance or apply dropout').toEqual([...out[0]]);
      const diff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
      expect(diff(out[1], out[0]), 'training differs from inference').toBeGreaterThan(1e-3);
      expect(diff(out[2], out[1]), 'step 1 has another mask than step 0').toBeGreaterThan(1e-3);
      const off = await logits({ ...cfg, dropout: 0 }, [false, true]);
      expect([...off.out[1]]).toEqual([...off.out[0]]);
      expect(() => resolveYTuning({ ...cfg, dropout: 1 })).toThrow(/dropout must be in \[0, 1\), got 1/);
    });
  });

  it('crossAttention reads the last layer\'s cross-attention (B, H, L, T+1): the reference P, rows sum to 1, padding gets 0', async () => {
    const e = await testEngine();
    const cases: [YTuningConfig, YTuningRefBatch][] = [
      [{ C: 6, d: 8, H: 2, L: 3, N: 2, labelSeeds: randn(18, 9), seed: 7 }, makeBatch(3, 6, 6, 90, 4)],
      [{ C: 6, d: 8, H: 4, L: 4, seed: 8, pair: true }, makeBatch(3, 5, 6, 91, 2, true)],
    ];
    await withErrorScopes(e.device, async () => {
      for (const [cfg, rb] of cases) {
        const r = resolveYTuning(cfg);
        const p = perturbed(cfg);
        const head = new YTuningHead(e, cfg, p);
        const batch = toGpu(e, rb, r.C);
        const submits = e.submitCount;
        const map = await head.crossAttention(e, batch);
        expect(e.submitCount - submits, 'one readback submit').toBe(1);
        const { B, T } = rb;
        const Tm = T + 1;
        expect({ B: map.B, H: map.H, L: map.L, Tm: map.Tm }).toEqual({ B, H: r.H, L: r.L, Tm });
        expect(map.weights.length).toBe(B * r.H * r.L * Tm);
        const ref = ytuningForwardRef(r, p, rb).cache.layers[r.N - 1].ca.probs;
        expectClose(map.weights, ref, 1e-5, 1e-4, `pair ${r.pair}: cross-attention P`);
        for (let b = 0; b < B; b++) {
          for (let row = 0; row < r.H * r.L; row++) {
            const o = (b * r.H * r.L + row) * Tm;
            let sum = 0;
            for (let j = 0; j < Tm; j++) {
              const kept = j === T || rb.mask[b * T + j] === 1;
              if (!kept) expect(map.weights[o + j], `b ${b} row ${row} padded key ${j}`).toBe(0);
              else expect(map.weights[o + j]).toBeGreaterThan(0);
              sum += map.weights[o + j];
            }
            expect(sum).toBeCloseTo(1, 5);
          }
        }
        // The readout leaves a usable forward behind: a backward of the same batch works.
        const dZ = upload(e, randn(B * r.L, 5), [B, r.L], 'dZ');
        head.backward(e, batch, dZ);
        dZ.release();
        head.dispose();
        releaseBatch(batch);
      }
    });
  });

  it('a batch of a new length records forward + backward into the open command buffer (no upload, no submit)', async () => {
    const e = await testEngine();
    const cfg: YTuningConfig = { C: 6, d: 8, H: 2, L: 3, seed: 9, pair: true };
    const r = resolveYTuning(cfg);
    const p = perturbed(cfg);
    await withErrorScopes(e.device, async () => {
      const head = new YTuningHead(e, cfg, p);
      for (const [bi, rb] of [makeBatch(2, 5, 6, 100, 3, true), makeBatch(3, 8, 6, 101, 6, true)].entries()) {
        const batch = toGpu(e, rb, r.C);
        const dZ = upload(e, randn(rb.B * r.L, 3), [rb.B, r.L], 'dZ');
        e.submit();
        const submits = e.submitCount;
        for (const hp of head.params) zero(e, hp.grad); // work already recorded, as in a trainer step
        const z = head.forward(e, batch, true);
        head.backward(e, batch, dZ);
        expect(e.submitCount, `batch ${bi} (new T ${rb.T}): nothing submitted while recording`).toBe(submits);
        const ref = ytuningForwardRef(r, p, rb, { step: bi });
        expectClose(await z.read(), ref.logits, 2e-5, 1e-4, `batch ${bi} logits`);
        const g = ytuningBackwardRef(r, p, ref.cache, randn(rb.B * r.L, 3));
        const Wf = head.params.find((hp) => hp.name === 'Wf')!;
        expectClose(await Wf.grad.read(), g.Wf, 2e-5 * Math.max(1, ...g.Wf.map(Math.abs)), 1e-4, `batch ${bi} dWf`);
        dZ.release();
        releaseBatch(batch);
      }
      head.dispose();
    });
  });

  it('rejects a batch of the wrong width, a backward before its forward, and a wrong init size', async () => {
    const e = await testEngine();
    const cfg: YTuningConfig = { C: 6, d: 8, H: 2, L: 3, seed: 1 };
    await withErrorScopes(e.device, async () => {
      const head = new YTuningHead(e, cfg);
      const good = toGpu(e, makeBatch(2, 5, 6, 10, 3), 6);
      const wide = toGpu(e, makeBatch(2, 5, 7, 10, 3), 7);
      const dZ = e.tensor([2, 3], 'dZ');
      expect(() => head.forward(e, { ...wide, pooled: good.pooled }, true)).toThrow(/batch.tokens .* expected 60/);
      expect(() => head.backward(e, good, dZ)).toThrow(/no forward/);
      head.forward(e, good, true);
      const dZ3 = e.tensor([3, 3], 'dZ3');
      expect(() => head.backward(e, good, dZ3)).toThrow(/dLogits/);
      dZ3.release();
      expect(() => new YTuningHead(e, cfg, { E: new Float64Array(5) })).toThrow(/init for E/);
      // pairs: a pair head needs pooledB (of the right size), a single-text head refuses it
      const pairHead = new YTuningHead(e, { ...cfg, pair: true });
      const pairs = toGpu(e, makeBatch(2, 5, 6, 10, 3, true), 6);
      expect(() => head.forward(e, pairs, true)).toThrow(/built for single texts.*batch.pooledB/);
      expect(() => pairHead.forward(e, good, true)).toThrow(/pair: true.*batch.pooledB is null/);
      expect(() => pairHead.forward(e, { ...pairs, pooledB: wide.pooled }, true)).toThrow(/batch.pooledB .* expected 12/);
      expect(() => pairHead.backward(e, good, dZ)).toThrow(/pooledB is null/);
      pairHead.forward(e, pairs, true);
      pairHead.dispose();
      releaseBatch(pairs);
      head.dispose();
      releaseBatch(good);
      releaseBatch(wide);
      dZ.release();
    });
  });
});
