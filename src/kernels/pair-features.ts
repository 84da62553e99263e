// Pooled-vector transforms used by the baseline heads: the pair feature vector [u, v, |u-v|, u*v] of two
// side-by-side pooled vectors (pair-features.wgsl), and L2 row normalisation of u, or of u + v (the l2norm.ts
// kernel, which also has the backward the encoder needs). Design decision: the heads over cached features use
// the forward only; pairFeaturesBackward serves full fine-tuning, where u and v come from the trained encoder.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { l2normForward } from './l2norm';
import { grid1d } from './dispatch';
import { checkDim, checkDistinct, checkSize } from './validate';
import wgsl from './pair-features.wgsl?raw';

const WG = 64;
const bindings = ['read', 'read', 'rw', 'uniform'] as const;
export const pairFeaturesKernel: KernelSpec = { name: 'pair-features.pair_features', wgsl, entryPoint: 'pair_features', bindings, overrides: { WG } };

/** X (B, 4C) = [u, v, |u - v|, u * v] row by row, from u, v (B, C). */
export function pairFeatures(e: GpuEngine, u: GpuTensor, v: GpuTensor, X: GpuTensor, s: { B: number; C: number }): void {
  const op = 'pairFeatures';
  checkDim(op, 'B', s.B);
  checkDim(op, 'C', s.C);
  checkSize(op, u, s.B * s.C, 'u (B, C)');
  checkSize(op, v, s.B * s.C, 'v (B, C)');
  checkSize(op, X, s.B * 4 * s.C, 'X (B, 4C)');
  checkDistinct(op, X, [u, v]);
  e.run(pairFeaturesKernel, [u, v, X], [u32(s.B), u32(s.C), u32(0), f32(0)], grid1d(s.B * 4 * s.C, WG));
}

/** y (B, C) = x / max(||x||, eps) per row, x = u, or u + v when v is given (eps on the norm: default 1e-12). */
export function normalizeRows(
  e: GpuEngine,
  u: GpuTensor,
  v: GpuTensor | null,
  y: GpuTensor,
  s: { B: number; C: number; eps?: number },
): void {
  const eps = s.eps ?? 1e-12;
  if (!(eps > 0)) throw new Error(`normalizeRows: eps must be > 0, got ${eps}`);
  // max(||x||, eps) = sqrt(max(sum x^2, eps^2)): the floor moves from the norm to the sum of squares
  l2normForward(e, { x: u, v, y }, { B: s.B, C: s.C, eps: eps * eps });
}

export const pairFeaturesBackwardKernel: KernelSpec = {
  name: 'pair-features.pair_features_backward',
  wgsl,
  entryPoint: 'pair_features_backward',
  bindings: ['read', 'read', 'read', 'uniform', 'rw', 'rw'], // u, v, dX, p, dU, dV
  overrides: { WG },
};

/** dU, dV (B, C) (overwritten) from dX (B, 4C), the gradient of pairFeatures' output; u, v its inputs. */
export function pairFeaturesBackward(
  e: GpuEngine,
  t: { u: GpuTensor; v: GpuTensor; dX: GpuTensor; dU: GpuTensor; dV: GpuTensor },
  s: { B: number; C: number },
): void {
  const op = 'pairFeaturesBackward';
  checkDim(op, 'B', s.B);
  checkDim(op, 'C', s.C);
  checkSize(op, t.u, s.B * s.C, 'u (B, C)');
  checkSize(op, t.v, s.B * s.C, 'v (B, C)');
  checkSize(op, t.dX, s.B * 4 * s.C, 'dX (B, 4C)');
  checkSize(op, t.dU, s.B * s.C, 'dU (B, C)');
  checkSize(op, t.dV, s.B * s.C, 'dV (B, C)');
  checkDistinct(op, t.dU, [t.u, t.v, t.dX, t.dV]);
  checkDistinct(op, t.dV, [t.u, t.v, t.dX]);
  e.run(pairFeaturesBackwardKernel, [t.u, t.v, t.dX, t.dU, t.dV], [u32(s.B), u32(s.C), u32(0), f32(0)], grid1d(s.B * s.C, WG));
}
