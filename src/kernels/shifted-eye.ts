// Shifted identity matrices generated on the GPU (see shifted-eye.wgsl). Design decision: constant 0/1 matrices
// that depend on a batch shape are *recorded* like any other dispatch, so building one never uploads data and
// never flushes the open command buffer (an upload would split a training step into two submits).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDim, checkSize } from './validate';
import wgsl from './shifted-eye.wgsl?raw';

const WG = 256;
export const shiftedEyeKernel: KernelSpec = { name: 'shifted-eye.shifted_eye', wgsl, entryPoint: 'shifted_eye', bindings: ['rw', 'uniform'], overrides: { WG } };

/** Record Y (rows, cols) = 1 where row == col + offset, 0 elsewhere (offset 0: [I; 0] for rows >= cols). */
export function shiftedEye(e: GpuEngine, y: GpuTensor, s: { rows: number; cols: number; offset: number }): void {
  const op = 'shiftedEye';
  checkDim(op, 'rows', s.rows);
  checkDim(op, 'cols', s.cols);
  if (!Number.isInteger(s.offset) || s.offset < 0) throw new Error(`${op}: offset must be a non-negative integer, got ${s.offset}`);
  checkSize(op, y, s.rows * s.cols, `Y (rows ${s.rows}, cols ${s.cols})`);
  e.run(shiftedEyeKernel, [y], [u32(s.rows), u32(s.cols), u32(s.offset), u32(0)], grid1d(s.rows * s.cols, WG));
}
