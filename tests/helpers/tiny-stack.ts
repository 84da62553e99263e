// A tiny two-layer label-decoder stack built from the engine's ops, defined once in float64 (reference ops) so
// the GPU test can train the same network with the WGSL kernels and compare step by step.
//   layer 1 (cross-attention): M = F Wf + bf (B,T,d); Q = E broadcast over the batch (B,L,d);
//                              O = attention(Q, K=M, V=M, keyMask) with H heads
//   layer 2 (scorer):          h = LN(O); a = GELU(h W1 + b1) (B,L,d2); z = a w2 -> logits (B,L) (no bias:
//                              softmax ignores a shared shift, so its gradient would be pure rounding noise)
//   loss:                      softmax cross-entropy over the L labels (label smoothing), clip by global norm,
//                              AdamW (no weight decay on biases and LN parameters).
import { adamwStep, type AdamWOptions } from '../../reference/adamw';
import { attentionBackward, attentionForward } from '../../reference/attention';
import { softmaxCrossEntropy } from '../../reference/cross-entropy';
import { geluBackward, geluForward } from '../../reference/gelu';
import { clipScale, globalGradNorm } from '../../reference/grad-norm';
import { layerNormBackward, layerNormForward } from '../../reference/layernorm';
import { linearBackward, linearForward } from '../../reference/matmul';
import { randn } from './rng';

export const S = { B: 3, T: 13, C: 10, L: 3, d: 8, H: 2, d2: 12 } as const;
export const OPT = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, maxNorm: 1.0, smoothing: 0.05, lnEps: 1e-5, steps: 30 };

export type ParamName = 'Wf' | 'bf' | 'E' | 'gamma' | 'beta' | 'W1' | 'b1' | 'w2';
export const PARAMS: { name: ParamName; shape: number[]; decay: boolean }[] = [
  { name: 'Wf', shape: [S.C, S.d], decay: true },
  { name: 'bf', shape: [S.d], decay: false },
  { name: 'E', shape: [S.L, S.d], decay: true },
  { name: 'gamma', shape: [S.d], decay: false },
  { name: 'beta', shape: [S.d], decay: false },
  { name: 'W1', shape: [S.d, S.d2], decay: true },
  { name: 'b1', shape: [S.d2], decay: false },
  { name: 'w2', shape: [S.d2, 1], decay: true },
];
export const WEIGHT_DECAY = 0.01;

export interface StackData {
  F: Float64Array; // (B, T, C)
  mask: Float64Array; // (B, T) — example 0 full, example 1 right-padded, example 2 left-padded
  targets: Uint32Array; // (B)
}

export function makeData(): StackData {
  const { B, T, C } = S;
  const mask = new Float64Array(B * T).fill(1);
  for (let t = 9; t < T; t++) mask[1 * T + t] = 0;
  for (let t = 0; t < 4; t++) mask[2 * T + t] = 0;
  return { F: randn(B * T * C, 101), mask, targets: Uint32Array.from([2, 0, 1]) };
}

export function initParams(): Record<ParamName, Float64Array> {
  const p = {} as Record<ParamName, Float64Array>;
  PARAMS.forEach(({ name, shape }, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (name === 'gamma') p[name] = new Float64Array(n).fill(1);
    else if (name === 'beta') p[name] = new Float64Array(n);
    else p[name] = randn(n, 200 + i, name.startsWith('b') ? 0.1 : 1 / Math.sqrt(shape[0]));
  });
  return p;
}

/** Mean loss and the gradient of every parameter, in float64. */
export function referenceLossAndGrads(p: Record<ParamName, Float64Array>, data: StackData): { loss: number; g: Record<ParamName, Float64Array> } {
  const { B, T, C, L, d, H, d2 } = S;
  const dh = d / H;
  // forward
  const M = linearForward(data.F, p.Wf, p.bf, B * T, C, d); // (B*T, d)
  const Q = new Float64Array(B * L * d); // (B, L, d)
  for (let b = 0; b < B; b++) Q.set(p.E, b * L * d);
  const att = attentionForward(Q, M, M, data.mask, { B, Lq: L, Lk: T, H, dh });
  const ln = layerNormForward(att.out, p.gamma, p.beta, { rows: B * L, dim: d }, OPT.lnEps);
  const pre = linearForward(ln.y, p.W1, p.b1, B * L, d, d2); // (B*L, d2)
  const act = geluForward(pre);
  const z = linearForward(act, p.w2, null, B * L, d2, 1); // (B*L, 1) == logits (B, L)
  const ce = softmaxCrossEntropy(z, data.targets, B, L, null, OPT.smoothing);
  // backward
  const g = {} as Record<ParamName, Float64Array>;
  const l3 = linearBackward(act, p.w2, ce.dLogits, B * L, d2, 1);
  g.w2 = l3.dW;
  const dPre = geluBackward(pre, l3.dX);
  const l2 = linearBackward(ln.y, p.W1, dPre, B * L, d, d2);
  g.W1 = l2.dW;
  g.b1 = l2.db;
  const lnb = layerNormBackward(att.out, p.gamma, ln.mean, ln.rstd, l2.dX, { rows: B * L, dim: d });
  g.gamma = lnb.dGamma;
  g.beta = lnb.dBeta;
  const ab = attentionBackward(Q, M, M, att.probs, lnb.dX, { B, Lq: L, Lk: T, H, dh });
  g.E = new Float64Array(L * d);
  for (let b = 0; b < B; b++) for (let i = 0; i < L * d; i++) g.E[i] += ab.dQ[b * L * d + i];
  const dM = ab.dK.map((x, i) => x + ab.dV[i]);
  const l1 = linearBackward(data.F, p.Wf, dM, B * T, C, d);
  g.Wf = l1.dW;
  g.bf = l1.db;
  return { loss: ce.mean, g };
}

/** One reference training step in place; returns the mean loss before the update. */
export function referenceStep(
  p: Record<ParamName, Float64Array>,
  m: Record<ParamName, Float64Array>,
  v: Record<ParamName, Float64Array>,
  data: StackData,
  step: number,
): number {
  const { loss, g } = referenceLossAndGrads(p, data);
  const scale = clipScale(globalGradNorm(PARAMS.map(({ name }) => g[name])), OPT.maxNorm);
  for (const { name, decay } of PARAMS) {
    const o: AdamWOptions = { lr: OPT.lr, beta1: OPT.beta1, beta2: OPT.beta2, eps: OPT.eps, weightDecay: decay ? WEIGHT_DECAY : 0, step };
    adamwStep(p[name], g[name], m[name], v[name], o, scale);
  }
  return loss;
}
