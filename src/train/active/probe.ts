// A softmax-regression probe trained on the CPU in float64: the fast head the labelling loop and its simulation
// retrain every few labels. Design decision: full-batch Nesterov-accelerated gradient descent from zero weights
// (deterministic: the same labelled rows give the same probe, whatever order they were labelled in) on the mean
// cross-entropy plus an L2 penalty on W; with a few hundred labelled pooled vectors (C = 256) a fit is a few
// million multiply-adds per step, tens of milliseconds in all, so it needs no GPU round trip, no batching and no
// early stopping. The step size is 1 / (Lipschitz bound of the gradient): 0.5 * max_i |x_i|^2 + l2.

export interface ProbeOptions {
  /** L2 penalty on W (not the bias); default 1e-3. */
  l2?: number;
  /** Gradient steps; default 300. */
  steps?: number;
}

export interface Probe {
  C: number;
  L: number;
  /** (C, L) row-major. */
  W: Float64Array;
  /** (L) */
  b: Float64Array;
}

/** Fit on n rows of flat (n, C) features with labels in [0, L). */
export function fitProbe(X: ArrayLike<number>, y: ArrayLike<number>, C: number, L: number, o: ProbeOptions = {}): Probe {
  const n = y.length;
  if (n === 0) throw new Error('fitProbe: no labelled rows');
  if (X.length !== n * C) throw new Error(`fitProbe: ${X.length} feature values for ${n} rows of width ${C}`);
  for (let i = 0; i < n; i++) if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= L) throw new Error(`fitProbe: label ${y[i]} of row ${i} is outside [0, ${L})`);
  const l2 = o.l2 ?? 1e-3;
  const steps = o.steps ?? 300;
  let maxNorm2 = 0;
  for (let i = 0; i < n; i++) {
    let s = 1; // the bias input
    for (let c = 0; c < C; c++) s += X[i * C + c] ** 2;
    maxNorm2 = Math.max(maxNorm2, s);
  }
  const lr = 1 / (0.5 * maxNorm2 + l2);
  const P = C * L + L; // W then b
  let theta = new Float64Array(P);
  let prev = new Float64Array(P);
  const look = new Float64Array(P);
  const grad = new Float64Array(P);
  const z = new Float64Array(L);
  for (let t = 1; t <= steps; t++) {
    const mom = (t - 1) / (t + 2);
    for (let p = 0; p < P; p++) look[p] = theta[p] + mom * (theta[p] - prev[p]);
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const off = i * C;
      let max = -Infinity;
      for (let l = 0; l < L; l++) {
        let s = look[C * L + l];
        for (let c = 0; c < C; c++) s += X[off + c] * look[c * L + l];
        z[l] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let l = 0; l < L; l++) sum += z[l] = Math.exp(z[l] - max);
      for (let l = 0; l < L; l++) {
        const g = (z[l] / sum - (l === y[i] ? 1 : 0)) / n; // dLoss/dLogit
        grad[C * L + l] += g;
        for (let c = 0; c < C; c++) grad[c * L + l] += X[off + c] * g;
      }
    }
    for (let p = 0; p < C * L; p++) grad[p] += l2 * look[p];
    prev = theta;
    theta = new Float64Array(P);
    for (let p = 0; p < P; p++) theta[p] = look[p] - lr * grad[p];
  }
  return { C, L, W: theta.slice(0, C * L), b: theta.slice(C * L) };
}

/** Softmax probabilities (N, L) of the probe on flat (N, C) features. */
export function probeProbs(m: Probe, X: ArrayLike<number>): Float32Array {
  const { C, L } = m;
  if (X.length % C !== 0) throw new Error(`probeProbs: ${X.length} values are not rows of width ${C}`);
  const N = X.length / C;
  const out = new Float32Array(N * L);
  const z = new Float64Array(L);
  for (let i = 0; i < N; i++) {
    let max = -Infinity;
    for (let l = 0; l < L; l++) {
      let s = m.b[l];
      for (let c = 0; c < C; c++) s += X[i * C + c] * m.W[c * L + l];
      z[l] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let l = 0; l < L; l++) sum += z[l] = Math.exp(z[l] - max);
    for (let l = 0; l < L; l++) out[i * L + l] = z[l] / sum;
  }
  return out;
}
