// Fill a tensor with one float (and zero it). See fill.wgsl. Design decision: zeroing is a dispatch, not
// GPUCommandEncoder.clearBuffer (engine.clear), so zeroing gradients between kernels stays inside the open compute
// pass instead of splitting it; engine.clear remains the choice outside a step.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import wgsl from './fill.wgsl?raw';

const WG = 256;
export const fillKernel: KernelSpec = { name: 'fill.fill', wgsl, entryPoint: 'fill', bindings: ['rw', 'uniform'], overrides: { WG } };

/** Record y[i] = value for all y.size elements (value is rounded to f32; NaN and +-Infinity are allowed). */
export function fill(e: GpuEngine, y: GpuTensor, value: number): void {
  if (typeof value !== 'number') throw new Error(`fill "${y.label}": value must be a number`);
  e.run(fillKernel, [y], [u32(y.size), f32(value)], grid1d(y.size, WG));
}

/** Record y = 0. */
export function zero(e: GpuEngine, y: GpuTensor): void {
  fill(e, y, 0);
}
