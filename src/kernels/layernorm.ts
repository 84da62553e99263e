// Layer norm over the last dim: forward (saves mean and rstd per row), backward to the input (overwrites dX) and
// to gamma/beta (accumulates). Design decision: one workgroup per row (corrected two-pass statistics, any D >= 1)
// whose size grows with D — about 8 elements per thread, 32 to 256 threads, so at most four cached pipelines per
// entry point (`rowThreads`) — because idle threads and barriers dominate on CPU drivers and small GPUs. The
// parameter gradients are a separate, deterministic per-column reduction (one workgroup per 32-column tile loops
// over all rows; no atomics), so a backward is two dispatches. See layernorm.wgsl.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32, type UniformField } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDim, checkSize } from './validate';
import wgsl from './layernorm.wgsl?raw';

const TC = 32; // backward_params: columns per workgroup
const TR = 8; // backward_params: row lanes per workgroup (power of two)

/** Threads per row for a row length D: a power of two in [32, 256], about D/8 (each thread loops over ~8 elements). */
export function rowThreads(dim: number): number {
  let wg = 32;
  while (wg < 256 && wg * 8 < dim) wg *= 2;
  return wg;
}

// Params { rows, dim, eps } at binding 0, then storage buffers in @binding order. The row kernels come in four
// variants, WG = rowThreads(dim).
const forwardSpec = (WG: number): KernelSpec => ({
  name: 'layernorm.forward',
  wgsl,
  entryPoint: 'forward',
  bindings: ['uniform', 'read', 'read', 'read', 'rw', 'rw', 'rw'], // p, x, gamma, beta, y, mean, rstd
  overrides: { WG },
});
const backwardInputSpec = (WG: number): KernelSpec => ({
  name: 'layernorm.backward_input',
  wgsl,
  entryPoint: 'backward_input',
  bindings: ['uniform', 'read', 'read', 'read', 'read', 'read', 'rw'], // p, x, gamma, mean, rstd, dY, dX
  overrides: { WG },
});
const ROW_VARIANTS = [32, 64, 128, 256];
const forwardKernels = new Map(ROW_VARIANTS.map((wg) => [wg, forwardSpec(wg)]));
const backwardInputKernels = new Map(ROW_VARIANTS.map((wg) => [wg, backwardInputSpec(wg)]));
export const layerNormBackwardParamsKernel: KernelSpec = {
  name: 'layernorm.backward_params',
  wgsl,
  entryPoint: 'backward_params',
  bindings: ['uniform', 'read', 'rw', 'read', 'read', 'read', 'rw'], // p, x, dGamma, mean, rstd, dY, dBeta
  overrides: { TC, TR },
};

/** The three kernels a layer norm of row length `dim` dispatches (forward; backward = input + params). */
export function layerNormKernels(dim: number): { forward: KernelSpec; backwardInput: KernelSpec; backwardParams: KernelSpec } {
  const wg = rowThreads(dim);
  return { forward: forwardKernels.get(wg)!, backwardInput: backwardInputKernels.get(wg)!, backwardParams: layerNormBackwardParamsKernel };
}

export interface LayerNormShape {
  rows: number;
  dim: number;
  /** Added to the variance; default 1e-5 (PyTorch's default; the USE encoder uses 1e-6). */
  eps?: number;
}

function checkShape(op: string, { rows, dim, eps }: LayerNormShape): void {
  checkDim(op, 'rows', rows);
  checkDim(op, 'dim', dim);
  if (eps !== undefined && !(eps >= 0 && Number.isFinite(eps))) throw new Error(`${op}: eps must be finite and >= 0, got ${eps}`);
}

function params({ rows, dim, eps = 1e-5 }: LayerNormShape): UniformField[] {
  return [u32(rows), u32(dim), f32(eps)];
}

/** y = (x - mean) * rstd * gamma + beta per row of x (rows, dim); writes y, and mean and rstd (rows) for backward. */
export function layerNormForward(
  e: GpuEngine,
  t: { x: GpuTensor; gamma: GpuTensor; beta: GpuTensor; y: GpuTensor; mean: GpuTensor; rstd: GpuTensor },
  shape: LayerNormShape,
): void {
  const op = 'layernorm.forward';
  checkShape(op, shape);
  const { rows, dim } = shape;
  checkSize(op, t.x, rows * dim, 'x (rows, dim)');
  checkSize(op, t.gamma, dim, 'gamma (dim)');
  checkSize(op, t.beta, dim, 'beta (dim)');
  checkSize(op, t.y, rows * dim, 'y (rows, dim)');
  checkSize(op, t.mean, rows, 'mean (rows)');
  checkSize(op, t.rstd, rows, 'rstd (rows)');
  e.run(layerNormKernels(dim).forward, [t.x, t.gamma, t.beta, t.y, t.mean, t.rstd], params(shape), grid1d(rows, 1));
}

/**
 * Backward of layerNormForward given dY: dX = dL/dx (overwritten); dGamma += dL/dgamma and dBeta += dL/dbeta
 * (parameter gradients accumulate; the caller zeroes them each step). mean and rstd are the forward's outputs.
 */
export function layerNormBackward(
  e: GpuEngine,
  t: {
    x: GpuTensor;
    gamma: GpuTensor;
    mean: GpuTensor;
    rstd: GpuTensor;
    dY: GpuTensor;
    dX: GpuTensor;
    dGamma: GpuTensor;
    dBeta: GpuTensor;
  },
  shape: Omit<LayerNormShape, 'eps'>,
): void {
  const op = 'layernorm.backward';
  checkShape(op, shape);
  const { rows, dim } = shape;
  checkSize(op, t.x, rows * dim, 'x (rows, dim)');
  checkSize(op, t.gamma, dim, 'gamma (dim)');
  checkSize(op, t.mean, rows, 'mean (rows)');
  checkSize(op, t.rstd, rows, 'rstd (rows)');
  checkSize(op, t.dY, rows * dim, 'dY (rows, dim)');
  checkSize(op, t.dX, rows * dim, 'dX (rows, dim)');
  checkSize(op, t.dGamma, dim, 'dGamma (dim)');
  checkSize(op, t.dBeta, dim, 'dBeta (dim)');
  const u = params(shape);
  const k = layerNormKernels(dim);
  e.run(k.backwardInput, [t.x, t.gamma, t.mean, t.rstd, t.dY, t.dX], u, grid1d(rows, 1));
  e.run(k.backwardParams, [t.x, t.dGamma, t.mean, t.rstd, t.dY, t.dBeta], u, grid1d(Math.ceil(dim / TC), 1));
}
