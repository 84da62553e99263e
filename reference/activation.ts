// ReLU and tanh in float64 (the oracle for src/kernels/activation.wgsl). The backwards take the forward's
// output y, as the kernels do: relu'(x) = [y > 0] (0 at x = 0), tanh'(x) = 1 - y^2.

export type ActivationKind = 'relu' | 'tanh';

export function activationForward(kind: ActivationKind, x: Float64Array): Float64Array {
  return kind === 'relu' ? x.map((v) => Math.max(v, 0)) : x.map(Math.tanh);
}

export function activationBackward(kind: ActivationKind, y: Float64Array, dY: Float64Array): Float64Array {
  if (y.length !== dY.length) throw new Error(`${kind}: size mismatch`);
  return kind === 'relu' ? y.map((v, i) => (v > 0 ? dY[i] : 0)) : y.map((v, i) => dY[i] * (1 - v * v));
}
