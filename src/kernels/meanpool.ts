// Masked mean pooling over time: y (B, C) = sum_t mask * x / max(sum_t mask, minCount) (minCount defaults to 1);
// backward overwrites dX (B, T, C).
// Design decision: one thread per output channel (b, c) loops over t — no workgroup reductions, one fixed
// summation order — so a fully masked example gives exactly y = 0 and dX = 0, and the backward writes every dX
// element (padding included) in the same pass. See meanpool.wgsl.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDim, checkSize } from './validate';
import wgsl from './meanpool.wgsl?raw';

const WG = 256;
// Params { B, T, C, minCount } at binding 0, then storage buffers in @binding order.
export const meanPoolForwardKernel: KernelSpec = {
  name: 'meanpool.forward',
  wgsl,
  entryPoint: 'forward',
  bindings: ['uniform', 'read', 'read', 'rw'], // p, mask, x, y
  overrides: { WG },
};
export const meanPoolBackwardKernel: KernelSpec = {
  name: 'meanpool.backward',
  wgsl,
  entryPoint: 'backward',
  bindings: ['uniform', 'read', 'read', 'rw'], // p, mask, dY, dX
  overrides: { WG },
};

export interface MeanPoolShape {
  B: number;
  T: number;
  C: number;
  /** Floor of the valid-step count (> 0); default 1. An encoder's pooling passes its own (PoolingSpec.minCount). */
  minCount?: number;
}

function check(op: string, shape: MeanPoolShape, sizes: [GpuTensor, number, string][]): number {
  for (const k of ['B', 'T', 'C'] as const) checkDim(op, k, shape[k]);
  for (const [t, n, what] of sizes) checkSize(op, t, n, what);
  const minCount = shape.minCount ?? 1;
  if (!(minCount > 0) || !Number.isFinite(minCount) || Math.fround(minCount) === 0) {
    throw new Error(`${op}: minCount must be a positive float32 (the floor of the count), got ${minCount}`);
  }
  return minCount;
}

/** y (B, C) = sum_t mask x / max(count, minCount) over x (B, T, C); mask (B, T) holds 1 for valid steps and 0 for padding. */
export function meanPoolForward(e: GpuEngine, t: { x: GpuTensor; mask: GpuTensor; y: GpuTensor }, shape: MeanPoolShape): void {
  const { B, T, C } = shape;
  const minCount = check('meanpool.forward', shape, [
    [t.x, B * T * C, 'x (B, T, C)'],
    [t.mask, B * T, 'mask (B, T)'],
    [t.y, B * C, 'y (B, C)'],
  ]);
  e.run(meanPoolForwardKernel, [t.mask, t.x, t.y], [u32(B), u32(T), u32(C), f32(minCount)], grid1d(B * C, WG));
}

/** dX (B, T, C) = mask * dY / max(count, minCount), overwritten (0 at padding and for fully masked examples). */
export function meanPoolBackward(e: GpuEngine, t: { mask: GpuTensor; dY: GpuTensor; dX: GpuTensor }, shape: MeanPoolShape): void {
  const { B, T, C } = shape;
  const minCount = check('meanpool.backward', shape, [
    [t.mask, B * T, 'mask (B, T)'],
    [t.dY, B * C, 'dY (B, C)'],
    [t.dX, B * T * C, 'dX (B, T, C)'],
  ]);
  e.run(meanPoolBackwardKernel, [t.mask, t.dY, t.dX], [u32(B), u32(T), u32(C), f32(minCount)], grid1d(B * C, WG));
}
