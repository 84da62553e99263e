// Residual add (y = a + b) and in-place gradient accumulation (acc += x). See add.wgsl.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkSameSize as checkSame } from './validate';
import wgsl from './add.wgsl?raw';

const WG = 256;
const bindings = ['read', 'read', 'rw', 'uniform'] as const;
export const addForwardKernel: KernelSpec = { name: 'add.forward', wgsl, entryPoint: 'forward', bindings, overrides: { WG } };
export const addAccumulateKernel: KernelSpec = { name: 'add.accumulate', wgsl, entryPoint: 'accumulate', bindings, overrides: { WG } };

/** y = a + b, all of one size. */
export function addForward(e: GpuEngine, a: GpuTensor, b: GpuTensor, y: GpuTensor): void {
  checkSame('add.forward', a, b);
  checkSame('add.forward', a, y);
  e.run(addForwardKernel, [a, b, y], [u32(a.size)], grid1d(a.size, WG));
}

/** acc += x (gradient of a tensor used by two branches). */
export function addAccumulate(e: GpuEngine, acc: GpuTensor, x: GpuTensor): void {
  checkSame('add.accumulate', acc, x);
  e.run(addAccumulateKernel, [x, x, acc], [u32(x.size)], grid1d(x.size, WG));
}
