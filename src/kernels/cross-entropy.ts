// Loss heads with forward and backward fused: softmax cross-entropy (class weights, label smoothing, ignored rows)
// and sigmoid binary cross-entropy with logits. See cross-entropy.wgsl. Design decision: the gradient written is
// that of the weighted MEAN loss, so the op needs the batch weight sum; each softmax row workgroup recomputes it
// (B is small), which keeps per-example work in one dispatch and the mean loss in a second single-workgroup
// dispatch (2 dispatches; the binary loss is 1). The mean loss lands in a GPU `stats` tensor
// [mean loss, correct count], so a trainer reads back one or two floats every k steps and never reduces on the CPU.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import wgsl from './cross-entropy.wgsl?raw';

const WG_ROWS = 64;
const WG_ONE = 256;
const bindings = ['read', 'read', 'read', 'rw', 'rw', 'rw', 'rw', 'uniform'] as const;
export const softmaxRowsKernel: KernelSpec = { name: 'cross-entropy.softmax_rows', wgsl, entryPoint: 'softmax_rows', bindings, overrides: { WG: WG_ROWS } };
export const softmaxStatsKernel: KernelSpec = { name: 'cross-entropy.softmax_stats', wgsl, entryPoint: 'softmax_stats', bindings, overrides: { WG: WG_ONE } };
export const binaryKernel: KernelSpec = { name: 'cross-entropy.binary', wgsl, entryPoint: 'binary', bindings, overrides: { WG: WG_ONE } };

export interface CrossEntropyTensors {
  /** (B, L) softmax logits, or (B) binary logits. */
  logits: GpuTensor;
  /** (B) softmax: u32 class ids (upload a Uint32Array; an id >= L marks an ignored row). Binary: f32 in [0, 1]. */
  targets: GpuTensor;
  /** Softmax: (L) class weights; binary: (B) per-example weights. null / omitted = all 1. */
  weights?: GpuTensor | null;
  /** (B) out: per-example loss (unweighted). */
  loss: GpuTensor;
  /** out, overwritten: gradient of the weighted mean loss (times gradScale) w.r.t. logits. */
  dLogits: GpuTensor;
  /** (B) out: 1.0 where argmax == target (binary: (z > 0) == (t > 0.5)), else 0.0. */
  correct: GpuTensor;
  /** (1) out: [mean loss], or (>= 2): [mean loss, correct count]. */
  stats: GpuTensor;
}

export interface CrossEntropyOptions {
  /** Label smoothing eps in [0, 1): target distribution (1 - eps) onehot + eps / L. Softmax only. Default 0. */
  labelSmoothing?: number;
  /** Multiplies dLogits (e.g. a loss weight when several heads share a step). Default 1. */
  gradScale?: number;
}

function need(ok: boolean, msg: string): void {
  if (!ok) throw new Error(msg);
}

function checkCommon(op: string, t: CrossEntropyTensors, B: number, logitsSize: number, weightsSize: number): void {
  need(t.targets.size === B, `${op}: targets "${t.targets.label}" has ${t.targets.size} elements, expected B = ${B}`);
  need(t.loss.size === B, `${op}: loss "${t.loss.label}" has ${t.loss.size} elements, expected B = ${B}`);
  need(t.correct.size === B, `${op}: correct "${t.correct.label}" has ${t.correct.size} elements, expected B = ${B}`);
  need(t.dLogits.size === logitsSize, `${op}: dLogits "${t.dLogits.label}" has ${t.dLogits.size} elements, expected ${logitsSize}`);
  need(t.stats.size >= 1, `${op}: stats "${t.stats.label}" must hold at least 1 element`);
  if (t.weights) need(t.weights.size === weightsSize, `${op}: weights "${t.weights.label}" has ${t.weights.size} elements, expected ${weightsSize}`);
  for (const out of [t.loss, t.dLogits, t.correct, t.stats]) {
    for (const inp of [t.logits, t.targets, t.weights]) {
      need(!inp || inp.buffer !== out.buffer, `${op}: output "${out.label}" aliases input "${inp?.label}"`);
    }
  }
}

function uniforms(B: number, L: number, hasWeights: boolean, statsLen: number, smoothing: number, gradScale: number) {
  return [u32(B), u32(L), u32(hasWeights ? 1 : 0), u32(Math.min(2, statsLen)), f32(smoothing), f32(gradScale)];
}

/**
 * Softmax cross-entropy, forward + backward (2 dispatches). logits (B, L) with L >= 1 (shape [B, L]);
 * mean loss = sum_b w[y_b] l_b / sum_b w[y_b] (PyTorch's weighted mean; unweighted: / B). With both class weights
 * and smoothing, w[y_b] weights the whole smoothed row loss (PyTorch instead weights each smoothing term by w_j).
 * A zero weight sum gives mean 0 and gradient 0 (not NaN).
 */
export function softmaxCrossEntropy(e: GpuEngine, t: CrossEntropyTensors, o: CrossEntropyOptions = {}): void {
  const op = 'crossEntropy.softmax';
  need(t.logits.shape.length === 2, `${op}: logits "${t.logits.label}" must be (B, L), got [${t.logits.shape.join(', ')}]`);
  const [B, L] = t.logits.shape;
  need(L >= 1, `${op}: need at least one label (L = ${L})`);
  checkCommon(op, t, B, B * L, L);
  const eps = o.labelSmoothing ?? 0;
  need(eps >= 0 && eps < 1, `${op}: labelSmoothing must be in [0, 1), got ${eps}`);
  const gs = o.gradScale ?? 1;
  need(Number.isFinite(gs), `${op}: gradScale must be finite`);
  const w = t.weights ?? t.logits; // dummy binding when unweighted (never read)
  const u = uniforms(B, L, !!t.weights, t.stats.size, eps, gs);
  const bufs = [t.logits, t.targets, w, t.loss, t.dLogits, t.correct, t.stats];
  e.run(softmaxRowsKernel, bufs, u, grid1d(B, 1));
  e.run(softmaxStatsKernel, bufs, u, [1]);
}

/**
 * Sigmoid binary cross-entropy with logits, forward + backward (1 dispatch). logits (B) (one logit per example),
 * targets f32 (B) in [0, 1], optional per-example weights (B). mean = sum_b w_b l_b / sum_b w_b.
 */
export function binaryCrossEntropy(e: GpuEngine, t: CrossEntropyTensors, o: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): void {
  const op = 'crossEntropy.binary';
  const B = t.logits.size;
  need(t.logits.shape.length === 1 || (t.logits.shape.length === 2 && t.logits.shape[1] === 1), `${op}: logits "${t.logits.label}" must be (B) or (B, 1), got [${t.logits.shape.join(', ')}]`);
  checkCommon(op, t, B, B, B);
  const gs = o.gradScale ?? 1;
  need(Number.isFinite(gs), `${op}: gradScale must be finite`);
  const w = t.weights ?? t.logits;
  e.run(binaryKernel, [t.logits, t.targets, w, t.loss, t.dLogits, t.correct, t.stats], uniforms(B, 1, !!t.weights, t.stats.size, 0, gs), [1]);
}
