// Small building blocks the encoder's layers are written in: a linear layer that allocates its output, its
// backward with an accumulating input gradient, layer norm with its saved statistics, and the FFN activations.
// Design decision: every block takes and returns pooled GpuTensors with explicit shapes, allocating outputs
// itself, so layer code reads like the math (y = lin(x, W)) and each tensor's lifetime is visible where it is
// released; commands run in recording order, so a released buffer reused later in the step is safe.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { geluBackward, geluForward } from '../kernels/gelu';
import { layerNormBackward, layerNormForward } from '../kernels/layernorm';
import { biasGrad, matmul, matmulBackward } from '../kernels/matmul';
import { reluBackward, reluForward } from '../kernels/activation';
import type { Activation } from './spec';
import type { GpuLayerNorm, GpuLinear } from './weights';

/** y (rows, out) = x (rows, in) W + b, a new tensor. */
export function lin(e: GpuEngine, x: GpuTensor, L: GpuLinear, rows: number, label: string): GpuTensor {
  const y = e.tensor([rows, L.out], label);
  matmul(e, x, L.W, y, { M: rows, K: L.in, N: L.out, bias: L.b, bBatched: false });
  return y;
}

/**
 * Backward of y = x W + b: parameter gradients accumulate (when the encoder is trained); the input gradient is
 * written into dX (overwritten, or added when `accumulate`), skipped when dX is null.
 */
export function linBack(e: GpuEngine, x: GpuTensor, L: GpuLinear, dY: GpuTensor, dX: GpuTensor | null, rows: number, accumulate = false): void {
  matmulBackward(e, { A: x, B: L.W, dY, dA: dX, dB: L.dW }, { M: rows, K: L.in, N: L.out, bBatched: false, accumulateDA: accumulate, accumulateDB: true });
  if (L.db) biasGrad(e, dY, L.db, { rows, N: L.out });
}

export interface NormSaved {
  y: GpuTensor;
  mean: GpuTensor;
  rstd: GpuTensor;
}

export function norm(e: GpuEngine, x: GpuTensor, N: GpuLayerNorm, rows: number, label: string): NormSaved {
  const y = e.tensor([rows, N.dim], label);
  const mean = e.tensor([rows], `${label}.mean`);
  const rstd = e.tensor([rows], `${label}.rstd`);
  layerNormForward(e, { x, gamma: N.gamma, beta: N.beta, y, mean, rstd }, { rows, dim: N.dim, eps: N.eps });
  return { y, mean, rstd };
}

/** dX (new tensor) from dY through the layer norm whose input was x. */
export function normBack(e: GpuEngine, x: GpuTensor, N: GpuLayerNorm, s: NormSaved, dY: GpuTensor, rows: number, label: string): GpuTensor {
  const dX = e.tensor([rows, N.dim], label);
  layerNormBackward(e, { x, gamma: N.gamma, mean: s.mean, rstd: s.rstd, dY, dX, dGamma: N.dGamma, dBeta: N.dBeta }, { rows, dim: N.dim });
  return dX;
}

export function releaseNorm(s: NormSaved): void {
  s.y.release();
  s.mean.release();
  s.rstd.release();
}

export function activate(e: GpuEngine, kind: Activation, x: GpuTensor, label: string): GpuTensor {
  const y = e.tensor(x.shape, label);
  if (kind === 'gelu') geluForward(e, x, y);
  else reluForward(e, x, y);
  return y;
}

/** dX (new tensor) = dY * act'(x); x is the activation's input, y its output (GELU reads x, ReLU y). */
export function activateBack(e: GpuEngine, kind: Activation, x: GpuTensor, y: GpuTensor, dY: GpuTensor, label: string): GpuTensor {
  const dX = e.tensor(x.shape, label);
  if (kind === 'gelu') geluBackward(e, x, dY, dX);
  else reluBackward(e, y, dY, dX);
  return dX;
}
