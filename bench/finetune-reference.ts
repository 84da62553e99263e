// The float64 CPU side of the `finetune` row of the training benchmark (bench/train.bench.ts): one full step of
// full fine-tuning — the reference encoder's forward and backward (reference/model/encoder.ts), the classifier on
// the pooled vector, softmax cross-entropy (reference/cross-entropy.ts), global-norm clipping and AdamW
// (reference/grad-norm.ts, reference/adamw.ts) — on float64 copies of our FinetuneHead's parameters.
// Design decision: like bench/train-reference.ts it is the oracle, not a contender: its step-0 loss is the third
// witness that ours and the tfjs peer compute the same thing, and its time shows what the step costs in plain JS.
import { adamwStep } from '../reference/adamw';
import { softmaxCrossEntropy } from '../reference/cross-entropy';
import { clipScale, globalGradNorm } from '../reference/grad-norm';
import { backward as encoderBackward, forward as encoderForward, type Params } from '../reference/model/encoder';
import type { TokenBatch } from '../src/model/inputs';
import type { EncoderSpec } from '../src/model/spec';
import type { AdamWConfig, ParamInit } from './tfjs-heads';

export interface FinetuneRefStepper {
  /** One step (1-based `step`) of softmax cross-entropy on the batch's labels; returns the loss before the update. */
  step(lr: number, step: number): number;
  /** Largest RSS growth (bytes) seen inside a step, sampled after the backward while its activations are alive. */
  peakRssDelta: number;
}

export function createFinetuneRefStepper(spec: EncoderSpec, params: readonly ParamInit[], batch: TokenBatch, labels: Uint32Array, L: number, o: AdamWConfig): FinetuneRefStepper {
  const value = new Map(params.map((x) => [x.name, Float64Array.from(x.value)]));
  const enc: Params = new Map();
  for (const [name, v] of value) if (name.startsWith('encoder.')) enc.set(name.slice('encoder.'.length), v); // shared arrays: AdamW updates both
  const W = value.get('classifier.W');
  const b = value.get('classifier.b');
  if (!W || !b) throw new Error('reference finetune: classifier.W / classifier.b missing from the head parameters');
  const m = params.map((x) => new Float64Array(x.value.length));
  const v = params.map((x) => new Float64Array(x.value.length));
  const { B, T } = batch;
  const stepper: FinetuneRefStepper = {
    peakRssDelta: 0,
    step(lr, step) {
      const rss0 = process.memoryUsage.rss();
      const f = encoderForward(spec, { ids: batch.ids, mask: batch.mask, tokenTypeIds: batch.tokenTypes, B, T, params: enc });
      if (!f.pooled) throw new Error('reference finetune: the model has no pooled output (the benchmark runs USE-lite)');
      const D = f.pooled.length / B;
      const logits = new Float64Array(B * L);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < L; j++) {
          let s = b[j];
          for (let k = 0; k < D; k++) s += f.pooled[r * D + k] * W[k * L + j];
          logits[r * L + j] = s;
        }
      }
      const ce = softmaxCrossEntropy(logits, labels, B, L);
      const dZ = ce.dLogits;
      const dW = new Float64Array(D * L);
      const db = new Float64Array(L);
      const dPooled = new Float64Array(B * D);
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < L; j++) {
          const g = dZ[r * L + j];
          db[j] += g;
          for (let k = 0; k < D; k++) {
            dW[k * L + j] += f.pooled[r * D + k] * g;
            dPooled[r * D + k] += W[k * L + j] * g;
          }
        }
      }
      const g = encoderBackward(f.cache, null, dPooled);
      stepper.peakRssDelta = Math.max(stepper.peakRssDelta, process.memoryUsage.rss() - rss0);
      const grads = params.map((x) => {
        if (x.name === 'classifier.W') return dW;
        if (x.name === 'classifier.b') return db;
        const d = g.dWeights.get(x.name.slice('encoder.'.length));
        if (!d) throw new Error(`reference finetune: no gradient for parameter "${x.name}"`);
        return d;
      });
      const scale = clipScale(globalGradNorm(grads), o.maxGradNorm);
      params.forEach((x, i) => {
        adamwStep(value.get(x.name)!, grads[i], m[i], v[i], { lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: x.decay ? o.weightDecay : 0, step }, scale);
      });
      return ce.mean;
    },
  };
  return stepper;
}
