// Dropout, seeded and deterministic: y = x * keep / (1 - p) with keep a counter-based hash of (seed, step,
// stream, element index) — see dropout.wgsl. Design decision: the mask is never stored; the backward
// recomputes it from the same (seed, step, stream), so dropout costs no memory and no saved tensor, and a
// training step is reproducible from its seed alone. Use one `stream` per dropout site in a network (two sites
// with the same seed, step and stream would drop the same element indices).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDistinct, checkSameSize } from './validate';
import wgsl from './dropout.wgsl?raw';

const WG = 256;
// Params { n, seed, step, stream, threshold, scale } at binding 0, then storage buffers in @binding order.
export const dropoutKernel: KernelSpec = {
  name: 'dropout.apply',
  wgsl,
  entryPoint: 'apply',
  bindings: ['uniform', 'read', 'rw'], // p, x | dY, y | dX
  overrides: { WG },
};

export interface DropoutParams {
  /** Drop probability in [0, 1); 0 copies x. */
  p: number;
  /** u32 run seed. */
  seed: number;
  /** u32 training step: a fresh mask each step. */
  step: number;
  /** u32 dropout site in the network; default 0. */
  stream?: number;
}

function uniforms(op: string, n: number, d: DropoutParams) {
  if (!(d.p >= 0 && d.p < 1)) throw new Error(`${op}: p must be in [0, 1), got ${d.p}`);
  for (const k of ['seed', 'step', 'stream'] as const) {
    const v = d[k] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${op}: ${k} must be an integer in [0, 2^32), got ${v}`);
  }
  const threshold = Math.min(0xffffffff, Math.round(d.p * 2 ** 32));
  return [u32(n), u32(d.seed), u32(d.step), u32(d.stream ?? 0), u32(threshold), f32(1 / (1 - d.p))];
}

/** y = dropout(x) (overwritten; any shape, same size, distinct buffers). */
export function dropoutForward(e: GpuEngine, x: GpuTensor, y: GpuTensor, d: DropoutParams): void {
  const op = 'dropout.forward';
  checkSameSize(op, x, y);
  checkDistinct(op, y, [x]);
  e.run(dropoutKernel, [x, y], uniforms(op, x.size, d), grid1d(x.size, WG));
}

/** dX = dY masked and scaled exactly as the forward with the same parameters did (overwritten). */
export function dropoutBackward(e: GpuEngine, dY: GpuTensor, dX: GpuTensor, d: DropoutParams): void {
  const op = 'dropout.backward';
  checkSameSize(op, dY, dX);
  checkDistinct(op, dX, [dY]);
  e.run(dropoutKernel, [dY, dX], uniforms(op, dY.size, d), grid1d(dY.size, WG));
}
