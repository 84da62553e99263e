// Row L2 normalisation y = x / sqrt(max(sum x^2, eps)) (TF's l2_normalize; USE-lite's sentence vector) with its
// backward, and the forward's u + v form used by the zero-shot head (pair-features.ts normalizeRows calls this
// kernel). See l2norm.wgsl.
// Design decision: the backward takes the forward's input x (not y) and recomputes the row's sum of squares in
// the forward's exact order, so the floor branch (s < eps: the scale is a constant, no projection term) is
// decided identically in both passes.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDim, checkDistinct, checkSize } from './validate';
import wgsl from './l2norm.wgsl?raw';

const WG = 64;
// Params { B, C, has_v, eps } at binding 0, then storage buffers in @binding order.
export const l2normForwardKernel: KernelSpec = {
  name: 'l2norm.forward',
  wgsl,
  entryPoint: 'forward',
  bindings: ['uniform', 'read', 'read', 'rw'], // p, u, v, y
  overrides: { WG },
};
export const l2normBackwardKernel: KernelSpec = {
  name: 'l2norm.backward',
  wgsl,
  entryPoint: 'backward',
  bindings: ['uniform', 'read', 'read', 'rw'], // p, x, dY, dX
  overrides: { WG },
};

export interface L2NormShape {
  /** Rows. */
  B: number;
  /** Row width. */
  C: number;
  /** Floor of the sum of squares (TF's l2_normalize default 1e-12); > 0. */
  eps: number;
}

function check(op: string, s: L2NormShape): void {
  checkDim(op, 'B', s.B);
  checkDim(op, 'C', s.C);
  if (!(s.eps > 0) || !Number.isFinite(s.eps) || Math.fround(s.eps) === 0) {
    throw new Error(`${op}: eps must be a positive float32 (the floor of the sum of squares), got ${s.eps}`);
  }
}

/** y (B, C) = x / sqrt(max(sum x^2, eps)) per row (overwritten), x = u, or u + v when v is given. */
export function l2normForward(e: GpuEngine, t: { x: GpuTensor; v?: GpuTensor | null; y: GpuTensor }, s: L2NormShape): void {
  const op = 'l2norm.forward';
  check(op, s);
  checkSize(op, t.x, s.B * s.C, 'x (B, C)');
  if (t.v) checkSize(op, t.v, s.B * s.C, 'v (B, C)');
  checkSize(op, t.y, s.B * s.C, 'y (B, C)');
  checkDistinct(op, t.y, [t.x, t.v]);
  // one workgroup per row, folded into y beyond 65535 rows
  e.run(l2normForwardKernel, [t.x, t.v ?? t.x, t.y], [u32(s.B), u32(s.C), u32(t.v ? 1 : 0), f32(s.eps)], grid1d(s.B, 1));
}

/** dX (B, C) (overwritten) from the forward's input x and dY; the floor branch (sum x^2 < eps) gives r * dY. */
export function l2normBackward(e: GpuEngine, t: { x: GpuTensor; dY: GpuTensor; dX: GpuTensor }, s: L2NormShape): void {
  const op = 'l2norm.backward';
  check(op, s);
  checkSize(op, t.x, s.B * s.C, 'x (B, C)');
  checkSize(op, t.dY, s.B * s.C, 'dY (B, C)');
  checkSize(op, t.dX, s.B * s.C, 'dX (B, C)');
  checkDistinct(op, t.dX, [t.x, t.dY]);
  e.run(l2normBackwardKernel, [t.x, t.dY, t.dX], [u32(s.B), u32(s.C), u32(0), f32(s.eps)], grid1d(s.B, 1));
}
