// ReLU and tanh, forward and backward, elementwise over tensors of any shape. See activation.wgsl.
// Design decision: both backwards take the forward's output y (not its input x) — relu'(x) = [y > 0] and
// tanh'(x) = 1 - y^2 — so the encoder keeps one saved tensor per activation. (GELU lives in gelu.ts: its
// derivative needs x.)
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDistinct, checkSameSize } from './validate';
import wgsl from './activation.wgsl?raw';

const WG = 256;
export type ActivationKind = 'relu' | 'tanh';

function spec(kind: ActivationKind, pass: 'forward' | 'backward'): KernelSpec {
  return {
    name: `activation.${kind}_${pass}`,
    wgsl,
    entryPoint: `${kind}_${pass}`,
    bindings: pass === 'forward' ? ['uniform', 'read', 'rw'] : ['uniform', 'read', 'read', 'rw'], // p, x, y | p, y, dY, dX
    overrides: { WG },
  };
}
// Params { n } at binding 0, then storage buffers in @binding order.
export const activationKernels: Record<ActivationKind, { forward: KernelSpec; backward: KernelSpec }> = {
  relu: { forward: spec('relu', 'forward'), backward: spec('relu', 'backward') },
  tanh: { forward: spec('tanh', 'forward'), backward: spec('tanh', 'backward') },
};

function checkKind(op: string, kind: string): asserts kind is ActivationKind {
  if (kind !== 'relu' && kind !== 'tanh') throw new Error(`${op}: unknown activation "${kind}" (relu or tanh; gelu is gelu.ts)`);
}

/** y = act(x) elementwise (overwritten); x and y of one size, distinct buffers. */
export function activationForward(e: GpuEngine, kind: ActivationKind, x: GpuTensor, y: GpuTensor): void {
  const op = `${kind}.forward`;
  checkKind(op, kind);
  checkSameSize(op, x, y);
  checkDistinct(op, y, [x]);
  e.run(activationKernels[kind].forward, [x, y], [u32(x.size)], grid1d(x.size, WG));
}

/** dX = dY * act'(x) (overwritten), computed from y = the forward's output. */
export function activationBackward(e: GpuEngine, kind: ActivationKind, y: GpuTensor, dY: GpuTensor, dX: GpuTensor): void {
  const op = `${kind}.backward`;
  checkKind(op, kind);
  checkSameSize(op, y, dY);
  checkSameSize(op, y, dX);
  checkDistinct(op, dX, [y, dY]);
  e.run(activationKernels[kind].backward, [y, dY, dX], [u32(y.size)], grid1d(y.size, WG));
}

export const reluForward = (e: GpuEngine, x: GpuTensor, y: GpuTensor) => activationForward(e, 'relu', x, y);
export const reluBackward = (e: GpuEngine, y: GpuTensor, dY: GpuTensor, dX: GpuTensor) => activationBackward(e, 'relu', y, dY, dX);
export const tanhForward = (e: GpuEngine, x: GpuTensor, y: GpuTensor) => activationForward(e, 'tanh', x, y);
export const tanhBackward = (e: GpuEngine, y: GpuTensor, dY: GpuTensor, dX: GpuTensor) => activationBackward(e, 'tanh', y, dY, dX);
