// AdamW optimizer step for one parameter tensor, reading the global clip scale from a GPU buffer. See adamw.wgsl.
// Design decision: the clip scale never leaves the GPU — `clip` is the [norm, scale] tensor written by
// grad-norm's gradNorm earlier in the same command encoder — and the step-dependent bias corrections are folded
// into uniforms on the CPU in float64 (t is known there), so one dispatch per tensor does the whole update.
// Weight decay is per call: pass weightDecay 0 for biases and LayerNorm parameters.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import wgsl from './adamw.wgsl?raw';

const WG = 256;
export const adamwKernel: KernelSpec = {
  name: 'adamw.step',
  wgsl,
  entryPoint: 'step',
  bindings: ['rw', 'rw', 'rw', 'rw', 'read', 'uniform'],
  overrides: { WG },
};

export interface AdamWTensors {
  param: GpuTensor;
  grad: GpuTensor;
  /** First moment, zero-initialised before step 1. */
  m: GpuTensor;
  /** Second moment, zero-initialised before step 1. */
  v: GpuTensor;
  /** (2) [norm, scale] from gradNorm (maxNorm Infinity there gives scale 1); any 2-element tensor [_, s] works. */
  clip: GpuTensor;
}

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count t (the bias corrections use beta^t). */
  step: number;
  /** Zero `grad` after reading it (default false). */
  zeroGrad?: boolean;
}

/** The uniforms of one step, float64 on the CPU (exported for tests). */
export function adamwUniforms(o: AdamWOptions, n: number) {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  return [
    u32(n),
    f32(o.beta1),
    f32(1 - o.beta1),
    f32(o.beta2),
    f32(1 - o.beta2),
    f32(o.eps),
    f32(1 - o.lr * o.weightDecay),
    f32(o.lr / bc1),
    f32(1 / Math.sqrt(bc2)),
    u32(o.zeroGrad ? 1 : 0),
  ];
}

function check(o: AdamWOptions): void {
  const bad = (what: string) => {
    throw new Error(`adamwStep: ${what}`);
  };
  if (!(Number.isFinite(o.lr) && o.lr >= 0)) bad(`lr must be finite and >= 0, got ${o.lr}`);
  if (!(o.beta1 >= 0 && o.beta1 < 1)) bad(`beta1 must be in [0, 1), got ${o.beta1}`);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) bad(`beta2 must be in [0, 1), got ${o.beta2}`);
  if (!(Number.isFinite(o.eps) && o.eps > 0)) bad(`eps must be finite and > 0, got ${o.eps}`);
  if (!(Number.isFinite(o.weightDecay) && o.weightDecay >= 0)) bad(`weightDecay must be finite and >= 0, got ${o.weightDecay}`);
  if (!(Number.isInteger(o.step) && o.step >= 1)) bad(`step must be an integer >= 1, got ${o.step}`);
}

/** Record one AdamW update of `param` (in place, with m and v) from grad * clip[1]. */
export function adamwStep(e: GpuEngine, t: AdamWTensors, o: AdamWOptions): void {
  check(o);
  const { param, grad, m, v } = t;
  const n = param.size;
  for (const x of [grad, m, v]) {
    if (x.size !== n) throw new Error(`adamwStep: "${x.label}" has ${x.size} elements, param "${param.label}" has ${n}`);
  }
  const bufs = [param, grad, m, v];
  for (let i = 0; i < bufs.length; i++) {
    for (let j = i + 1; j < bufs.length; j++) {
      if (bufs[i].buffer === bufs[j].buffer) throw new Error(`adamwStep: "${bufs[i].label}" and "${bufs[j].label}" share a buffer`);
    }
  }
  const clip = t.clip;
  if (clip.size !== 2) throw new Error(`adamwStep: clip "${clip.label}" must have 2 elements [norm, scale], got ${clip.size}`);
  if (bufs.some((b) => b.buffer === clip.buffer)) throw new Error(`adamwStep: clip "${clip.label}" aliases a parameter tensor`);
  e.run(adamwKernel, [param, grad, m, v, clip], adamwUniforms(o, n), grid1d(n, WG));
}
