// AdamW (Loshchilov & Hutter; the update of torch.optim.AdamW, amsgrad off) in float64, in place.
// With step t (1-based), g = grad * clipScale:
//   p  = p - lr * wd * p                     (decoupled weight decay, applied first)
//   m  = b1 m + (1 - b1) g
//   v  = b2 v + (1 - b2) g^2
//   p  = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count t. */
  step: number;
}

export function adamwStep(
  param: Float64Array, // (n)
  grad: ArrayLike<number>, // (n)
  m: Float64Array, // (n)
  v: Float64Array, // (n)
  o: AdamWOptions,
  clipScale = 1,
): void {
  const n = param.length;
  if (grad.length !== n || m.length !== n || v.length !== n) throw new Error('adamwStep: size mismatch');
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  for (let i = 0; i < n; i++) {
    const g = grad[i] * clipScale;
    param[i] -= o.lr * o.weightDecay * param[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    param[i] -= (o.lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + o.eps);
  }
}
