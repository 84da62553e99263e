// Global gradient norm and clip scale over a list of gradient tensors, computed and kept on the GPU. See
// grad-norm.wgsl. Design decision: the result is a 2-element GPU tensor `clip` = [norm, scale] that the AdamW
// kernel reads (grad * clip[1]), so a step needs no readback; the trainer may read `clip` every k steps to chart
// the norm. Per-tensor partial sums go to a caller-owned `partials` scratch tensor (gradNormPartialsSize slots),
// then one workgroup reduces them in a fixed order: deterministic, no float atomics. Dispatches: one per
// non-empty gradient tensor plus one.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import wgsl from './grad-norm.wgsl?raw';

const WG = 256;
/** Elements summed by one workgroup of the partial kernel (16 per invocation). */
const CHUNK = WG * 16;
const bindings = ['read', 'rw', 'uniform'] as const;
export const gradNormPartialKernel: KernelSpec = { name: 'grad-norm.partial', wgsl, entryPoint: 'partial', bindings, overrides: { WG } };
export const gradNormFinishKernel: KernelSpec = { name: 'grad-norm.finish', wgsl, entryPoint: 'finish', bindings, overrides: { WG } };

const partialsOf = (n: number): number => Math.ceil(n / CHUNK);

/** Slots the `partials` scratch tensor needs for these gradients (at least 1). */
export function gradNormPartialsSize(grads: readonly GpuTensor[]): number {
  return Math.max(1, grads.reduce((s, g) => s + partialsOf(g.size), 0));
}

/** A scratch tensor sized for gradNorm over these gradients (keep it with the parameter set; release it later). */
export function createGradNormPartials(e: GpuEngine, grads: readonly GpuTensor[], label = 'gradNorm.partials'): GpuTensor {
  return e.tensor([gradNormPartialsSize(grads)], label);
}

/** True when maxNorm asks for clipping (finite and > 0); <= 0, Infinity or NaN mean "no clipping". */
export function clipEnabled(maxNorm: number): boolean {
  return maxNorm > 0 && Number.isFinite(maxNorm);
}

/**
 * Record: clip = [norm, scale] with norm = sqrt(sum over all grads of g^2) and scale = min(1, maxNorm / (norm +
 * 1e-6)) (1 when clipping is off). `partials` must hold gradNormPartialsSize(grads) elements; `clip` 2.
 */
export function gradNorm(e: GpuEngine, grads: readonly GpuTensor[], clip: GpuTensor, partials: GpuTensor, maxNorm: number): void {
  const need = gradNormPartialsSize(grads);
  if (partials.size < need) throw new Error(`gradNorm: partials "${partials.label}" has ${partials.size} slots, ${need} needed`);
  if (clip.size !== 2) throw new Error(`gradNorm: clip "${clip.label}" must have 2 elements [norm, scale], got ${clip.size}`);
  if (clip.buffer === partials.buffer) throw new Error('gradNorm: clip and partials must be different tensors');
  let offset = 0;
  for (const g of grads) {
    if (g.buffer === partials.buffer || g.buffer === clip.buffer) throw new Error(`gradNorm: gradient "${g.label}" aliases partials or clip`);
    const k = partialsOf(g.size);
    if (k === 0) continue;
    e.run(gradNormPartialKernel, [g, partials], [u32(g.size), u32(offset), u32(CHUNK), u32(0), f32(0)], grid1d(k, 1));
    offset += k;
  }
  const on = clipEnabled(maxNorm);
  e.run(gradNormFinishKernel, [partials, clip], [u32(offset), u32(0), u32(CHUNK), u32(on ? 1 : 0), f32(on ? maxNorm : 0)], [1]);
}
