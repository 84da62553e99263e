// Softmax cross-entropy (with class weights and label smoothing) and sigmoid binary cross-entropy, in float64.
// Forward and backward together, as the GPU op fuses them: the backward is the gradient of the MEAN loss.
//
// Softmax, per example b with target y_b (a target >= L marks an ignored row: weight 0, loss 0, grad 0):
//   q_j   = (1 - eps) * [j == y_b] + eps / L                     (smoothed target distribution)
//   l_b   = -sum_j q_j * log softmax(z_b)_j
//   w_b   = classWeights[y_b]   (1 without class weights)
//   mean  = sum_b w_b l_b / sum_b w_b                           (0 when sum_b w_b == 0)
//   dz_bj = w_b / sum_b w_b * (softmax(z_b)_j - q_j)
// Binary, per example: l_b = softplus(z_b) - t_b z_b; same weighted mean with per-example weights;
//   dz_b = w_b / sum_b w_b * (sigmoid(z_b) - t_b).

export interface CrossEntropyResult {
  /** (B) per-example loss l_b (unweighted). */
  loss: Float64Array;
  /** Weighted mean loss. */
  mean: number;
  /** (B, L) or (B): gradient of `mean` w.r.t. the logits. */
  dLogits: Float64Array;
  /** (B) 1 where the prediction equals the target, else 0 (0 for ignored rows). */
  correct: Float64Array;
  /** sum_b w_b. */
  weightSum: number;
}

export function softmaxCrossEntropy(
  logits: Float64Array, // (B, L)
  targets: ArrayLike<number>, // (B)
  B: number,
  L: number,
  classWeights: ArrayLike<number> | null = null, // (L)
  labelSmoothing = 0,
): CrossEntropyResult {
  if (logits.length !== B * L) throw new Error('softmaxCrossEntropy: logits size');
  if (targets.length !== B) throw new Error('softmaxCrossEntropy: targets size');
  if (classWeights && classWeights.length !== L) throw new Error('softmaxCrossEntropy: class weights size');
  const eps = labelSmoothing;
  const w = new Float64Array(B);
  let weightSum = 0;
  for (let b = 0; b < B; b++) {
    const y = targets[b];
    w[b] = y < L ? (classWeights ? classWeights[y] : 1) : 0;
    weightSum += w[b];
  }
  const loss = new Float64Array(B);
  const dLogits = new Float64Array(B * L);
  const correct = new Float64Array(B);
  let weighted = 0;
  for (let b = 0; b < B; b++) {
    const y = targets[b];
    if (y >= L) continue;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < L; j++) {
      if (logits[b * L + j] > max) {
        max = logits[b * L + j];
        arg = j;
      }
    }
    let s = 0;
    for (let j = 0; j < L; j++) s += Math.exp(logits[b * L + j] - max);
    const lse = max + Math.log(s);
    let l = 0;
    for (let j = 0; j < L; j++) {
      const q = (j === y ? 1 - eps : 0) + eps / L;
      const logp = logits[b * L + j] - lse;
      l -= q * logp;
      const g = weightSum > 0 ? (w[b] / weightSum) * (Math.exp(logp) - q) : 0;
      dLogits[b * L + j] = g;
    }
    loss[b] = l;
    correct[b] = arg === y ? 1 : 0;
    weighted += w[b] * l;
  }
  return { loss, mean: weightSum > 0 ? weighted / weightSum : 0, dLogits, correct, weightSum };
}

/** log(1 + exp(x)) without overflow. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function binaryCrossEntropy(
  logits: Float64Array, // (B)
  targets: ArrayLike<number>, // (B) in [0, 1]
  weights: ArrayLike<number> | null = null, // (B)
): CrossEntropyResult {
  const B = logits.length;
  if (targets.length !== B) throw new Error('binaryCrossEntropy: targets size');
  if (weights && weights.length !== B) throw new Error('binaryCrossEntropy: weights size');
  let weightSum = 0;
  for (let b = 0; b < B; b++) weightSum += weights ? weights[b] : 1;
  const loss = new Float64Array(B);
  const dLogits = new Float64Array(B);
  const correct = new Float64Array(B);
  let weighted = 0;
  for (let b = 0; b < B; b++) {
    const z = logits[b];
    const t = targets[b];
    const wb = weights ? weights[b] : 1;
    loss[b] = softplus(z) - t * z;
    dLogits[b] = weightSum > 0 ? (wb / weightSum) * (sigmoid(z) - t) : 0;
    correct[b] = z > 0 === t > 0.5 ? 1 : 0;
    weighted += wb * loss[b];
  }
  return { loss, mean: weightSum > 0 ? weighted / weightSum : 0, dLogits, correct, weightSum };
}
