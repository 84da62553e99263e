// GELU, exact (erf) form as PyTorch's default nn.GELU: y = x * Phi(x); backward dX = dY * (Phi(x) + x phi(x)).
// Design decision: WGSL has no erf, so gelu.wgsl evaluates erfc with Cody's rational approximations (a few f32
// ulp) and takes the lower tail of Phi from erfc directly, so GELU of large negative x is accurate relative to
// its (tiny) value and x = +-20 gives exactly x / 0 with slopes 1 / 0, never NaN.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkSameSize as checkSame } from './validate';
import wgsl from './gelu.wgsl?raw';

const WG = 256;
// Params { n } at binding 0, then storage buffers in @binding order.
export const geluForwardKernel: KernelSpec = {
  name: 'gelu.forward',
  wgsl,
  entryPoint: 'forward',
  bindings: ['uniform', 'read', 'rw'], // p, x, y
  overrides: { WG },
};
export const geluBackwardKernel: KernelSpec = {
  name: 'gelu.backward',
  wgsl,
  entryPoint: 'backward',
  bindings: ['uniform', 'read', 'read', 'rw'], // p, x, dY, dX
  overrides: { WG },
};

/** y = gelu(x), elementwise; x and y of one size (any shape). */
export function geluForward(e: GpuEngine, x: GpuTensor, y: GpuTensor): void {
  checkSame('gelu.forward', x, y);
  e.run(geluForwardKernel, [x, y], [u32(x.size)], grid1d(x.size, WG));
}

/** dX = dY * gelu'(x) (overwrites dX); x is the forward input. */
export function geluBackward(e: GpuEngine, x: GpuTensor, dY: GpuTensor, dX: GpuTensor): void {
  checkSame('gelu.backward', x, dY);
  checkSame('gelu.backward', x, dX);
  e.run(geluBackwardKernel, [x, dY, dX], [u32(x.size)], grid1d(x.size, WG));
}
