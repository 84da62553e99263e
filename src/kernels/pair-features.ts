// Pooled-vector transforms used by the baseline heads (see pair-features.wgsl): the pair feature vector
// [u, v, |u-v|, u*v] of two side-by-side pooled vectors, and L2 row normalisation (of u, or of u + v). Design
// decision: forward only — both act on frozen cached encoder features, so no gradient ever flows into them.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDim, checkDistinct, checkSize } from './validate';
import wgsl from './pair-features.wgsl?raw';

const WG = 64;
const bindings = ['read', 'read', 'rw', 'uniform'] as const;
export const pairFeaturesKernel: KernelSpec = { name: 'pair-features.pair_features', wgsl, entryPoint: 'pair_features', bindings, overrides: { WG } };
export const normalizeRowsKernel: KernelSpec = { name: 'pair-features.normalize_rows', wgsl, entryPoint: 'normalize_rows', bindings, overrides: { WG } };

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

/** y (B, C) = x / max(||x||, eps) per row, x = u, or u + v when v is given. */
export function normalizeRows(
  e: GpuEngine,
  u: GpuTensor,
  v: GpuTensor | null,
  y: GpuTensor,
  s: { B: number; C: number; eps?: number },
): void {
  const op = 'normalizeRows';
  checkDim(op, 'B', s.B);
  checkDim(op, 'C', s.C);
  checkSize(op, u, s.B * s.C, 'u (B, C)');
  if (v) checkSize(op, v, s.B * s.C, 'v (B, C)');
  checkSize(op, y, s.B * s.C, 'y (B, C)');
  checkDistinct(op, y, [u, v]);
  const eps = s.eps ?? 1e-12;
  if (!(eps > 0)) throw new Error(`${op}: eps must be > 0, got ${eps}`);
  // one workgroup per row, folded into y beyond 65535 rows
  e.run(normalizeRowsKernel, [u, v ?? u, y], [u32(s.B), u32(s.C), u32(v ? 1 : 0), f32(eps)], grid1d(s.B, 1));
}
