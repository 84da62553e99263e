// The float64 CPU side of the training benchmark (bench/train.bench.ts): one full step of a head — the reference
// forward and backward (reference/heads/*.ts), the trainer's loss (softmax or match), global-norm clipping
// (reference/grad-norm.ts) and AdamW (reference/adamw.ts) — on float64 copies of our head's parameters.
// Design decision: it is the oracle, not a contender: it shows what the same step costs in plain JS float64, and
// its step-0 loss is a third witness that ours and the tfjs peer compute the same thing.
import { adamwStep } from '../reference/adamw';
import { binaryCrossEntropy, softmaxCrossEntropy } from '../reference/cross-entropy';
import { clipScale, globalGradNorm } from '../reference/grad-norm';
import { labelHeadBackward, labelHeadForward } from '../reference/heads/label-tuning';
import { linearHeadBackward, linearHeadForward } from '../reference/heads/linear';
import { ltuningPrefixBackwardRef, ltuningPrefixForwardRef } from '../reference/heads/ltuning-prefix';
import { ltuningPromptBackwardRef, ltuningPromptForwardRef } from '../reference/heads/ltuning-prompt';
import { ytuningBackwardRef, ytuningForwardRef } from '../reference/heads/ytuning';
import type { AdamWConfig, ParamInit, TfHeadSpec } from './tfjs-heads';

type P = Record<string, Float64Array>;

/** The batch in float64. */
export interface RefBatch {
  B: number;
  T: number;
  F: Float64Array; // (B, T, C)
  mask: Float64Array; // (B, T)
  pooled: Float64Array; // (B, C)
}

/** Per-step targets: class ids (softmax) or the match objective's (B*L) targets and weights. */
export type RefLoss = { kind: 'softmax'; labels: Uint32Array } | { kind: 'match'; targets: Float64Array; weights: Float64Array };

export interface RefStepper {
  /** One step (1-based `step`); returns the loss before the update. */
  step(loss: RefLoss, lr: number, step: number): number;
  /** Largest RSS growth (bytes) seen inside a step, sampled after the backward while its activations are alive. */
  peakRssDelta: number;
}

export function createRefStepper(spec: TfHeadSpec, params: readonly ParamInit[], batch: RefBatch, o: AdamWConfig): RefStepper {
  const p: P = Object.fromEntries(params.map((x) => [x.name, Float64Array.from(x.value)]));
  const decay = params.map((x) => x.decay);
  const names = params.map((x) => x.name);
  const m = params.map((x) => new Float64Array(x.value.length));
  const v = params.map((x) => new Float64Array(x.value.length));
  const { B } = batch;
  /** Logits (B, L) and a backward from dLogits to every parameter's gradient. */
  const run = (): { logits: Float64Array; L: number; backward: (dZ: Float64Array) => P } => {
    switch (spec.kind) {
      case 'ytuning': {
        const f = ytuningForwardRef(spec.cfg, p, batch);
        return { logits: f.logits, L: spec.cfg.L, backward: (dZ) => ytuningBackwardRef(spec.cfg, p, f.cache, dZ) };
      }
      case 'label-attn-prefix': {
        const f = ltuningPrefixForwardRef(spec.cfg, p, batch);
        return { logits: f.logits, L: spec.cfg.L, backward: (dZ) => ltuningPrefixBackwardRef(spec.cfg, p, f.cache, dZ) };
      }
      case 'label-attn-prompt': {
        const f = ltuningPromptForwardRef(spec.cfg, p, batch);
        return { logits: f.logits, L: spec.cfg.L, backward: (dZ) => ltuningPromptBackwardRef(spec.cfg, p, f.cache, dZ) };
      }
      case 'linear': {
        const { C, L } = spec;
        const logits = linearHeadForward({ W: p.W, b: p.b }, batch.pooled, B, C, L);
        return {
          logits,
          L,
          backward: (dZ) => {
            const g = linearHeadBackward(batch.pooled, dZ, B, C, L);
            return { W: g.dW, b: g.db };
          },
        };
      }
      case 'label': {
        const { C, L, scale } = spec;
        const logits = labelHeadForward(p.S, batch.pooled, B, C, L, scale);
        return { logits, L, backward: (dZ) => ({ S: labelHeadBackward(batch.pooled, dZ, B, C, L, scale) }) };
      }
    }
  };
  const stepper: RefStepper = {
    peakRssDelta: 0,
    step(loss, lr, step) {
      const rss0 = process.memoryUsage.rss();
      const f = run();
      const ce = loss.kind === 'softmax' ? softmaxCrossEntropy(f.logits, loss.labels, B, f.L) : binaryCrossEntropy(f.logits, loss.targets, loss.weights);
      const g = f.backward(ce.dLogits);
      stepper.peakRssDelta = Math.max(stepper.peakRssDelta, process.memoryUsage.rss() - rss0);
      const grads = names.map((n) => {
        if (!g[n]) throw new Error(`reference ${spec.kind}: no gradient for parameter "${n}"`);
        return g[n];
      });
      const scale = clipScale(globalGradNorm(grads), o.maxGradNorm);
      names.forEach((n, i) => {
        adamwStep(p[n], grads[i], m[i], v[i], { lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: decay[i] ? o.weightDecay : 0, step }, scale);
      });
      return ce.mean;
    },
  };
  return stepper;
}
