// A softmax-regression probe trained on the CPU in float64: the fast head the labelling loop and its simulation
// retrain every few labels. Design decision: full-batch Nesterov-accelerated gradient descent from zero weights
// (deterministic: the same labelled rows give the same probe, whatever order they were labelled in) on the mean
// cross-entropy plus an L2 penalty on W, with the step 1 / (a bound on the gradient's Lipschitz constant:
// 0.5 * the top eigenvalue of the rows' Gram matrix, by power iteration, + l2). A few hundred labelled vectors make
// a fit a few hundred million multiply-adds at most: well under a second, no GPU round trip, no early stopping.
// Features should be standardised first (standardizer(), with statistics of the whole unlabelled pool).

export interface ProbeOptions {
  /** L2 penalty on W (not the bias); default 1e-2 (for standardised features). */
  l2?: number;
  /** Gradient steps; default 100. */
  steps?: number;
}

export interface Probe {
  C: number;
  L: number;
  /** (L, C) row-major: one weight row per label. */
  W: Float64Array;
  /** (L) */
  b: Float64Array;
}

type Rows = Float32Array | Float64Array | readonly number[];

export type Standardizer = ((rows: Rows) => Float32Array) & { mean: Float64Array; inv: Float64Array };

/** Per-column mean and 1/sd (sd floored at 1e-6) of flat (N, C) rows, as a function that maps rows to z-scores. */
export function standardizer(X: Rows, C: number): Standardizer {
  const N = X.length / C;
  if (!Number.isInteger(N) || N < 1) throw new Error(`standardizer: ${X.length} values are not rows of width ${C}`);
  const mean = new Float64Array(C);
  const inv = new Float64Array(C);
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) mean[c] += X[i * C + c] / N;
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) inv[c] += (X[i * C + c] - mean[c]) ** 2 / N;
  for (let c = 0; c < C; c++) inv[c] = 1 / Math.max(Math.sqrt(inv[c]), 1e-6);
  const apply = (rows: Rows) => {
    if (rows.length % C !== 0) throw new Error(`standardizer: ${rows.length} values are not rows of width ${C}`);
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = (rows[i] - mean[i % C]) * inv[i % C];
    return out;
  };
  return Object.assign(apply, { mean, inv });
}

/**
 * The probe on raw features: a probe fitted on standardised rows folded into W' (C, L) row-major (the layout of
 * the `linear` head kind) and b', so that x W' + b' equals the probe's logits on the z-scores of x.
 */
export function foldStandardizer(m: Probe, z: Pick<Standardizer, 'mean' | 'inv'>): { W: Float32Array; b: Float32Array } {
  const { C, L } = m;
  const W = new Float32Array(C * L);
  const b = Float32Array.from(m.b);
  for (let l = 0; l < L; l++) {
    let shift = 0;
    for (let c = 0; c < C; c++) {
      const w = m.W[l * C + c] * z.inv[c];
      W[c * L + l] = w;
      shift += w * z.mean[c];
    }
    b[l] -= shift;
  }
  return { W, b };
}

/** Top eigenvalue of (1/n) [X 1]^T [X 1] by power iteration (30 steps from a fixed start; an upper-ish estimate, padded 10%). */
function gramTop(X: Rows, n: number, C: number): number {
  let v = new Float64Array(C + 1).fill(1 / Math.sqrt(C + 1));
  let lambda = 1;
  const u = new Float64Array(n);
  for (let it = 0; it < 30; it++) {
    for (let i = 0; i < n; i++) {
      let s = v[C];
      for (let c = 0; c < C; c++) s += X[i * C + c] * v[c];
      u[i] = s;
    }
    const w = new Float64Array(C + 1);
    for (let i = 0; i < n; i++) {
      const ui = u[i] / n;
      for (let c = 0; c < C; c++) w[c] += X[i * C + c] * ui;
      w[C] += ui;
    }
    lambda = Math.hypot(...w);
    if (lambda === 0) return 1;
    for (let c = 0; c <= C; c++) w[c] /= lambda;
    v = w;
  }
  return 1.1 * lambda;
}

/** Fit on n rows of flat (n, C) features with labels in [0, L). */
export function fitProbe(X0: Rows, y: ArrayLike<number>, C: number, L: number, o: ProbeOptions = {}): Probe {
  const n = y.length;
  if (n === 0) throw new Error('fitProbe: no labelled rows');
  if (X0.length !== n * C) throw new Error(`fitProbe: ${X0.length} feature values for ${n} rows of width ${C}`);
  for (let i = 0; i < n; i++) if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= L) throw new Error(`fitProbe: label ${y[i]} of row ${i} is outside [0, ${L})`);
  const l2 = o.l2 ?? 1e-2;
  const steps = o.steps ?? 100;
  const X = X0 instanceof Float64Array ? X0 : Float64Array.from(X0); // one element kind in the hot loops
  const lr = 1 / (0.5 * gramTop(X, n, C) + l2);
  const P = L * C + L; // W (L, C) then b (L)
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
        let s = look[L * C + l];
        const w = l * C;
        for (let c = 0; c < C; c++) s += X[off + c] * look[w + c];
        z[l] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let l = 0; l < L; l++) sum += z[l] = Math.exp(z[l] - max);
      for (let l = 0; l < L; l++) {
        const g = (z[l] / sum - (l === y[i] ? 1 : 0)) / n; // dLoss/dLogit
        grad[L * C + l] += g;
        const w = l * C;
        for (let c = 0; c < C; c++) grad[w + c] += X[off + c] * g;
      }
    }
    for (let p = 0; p < L * C; p++) grad[p] += l2 * look[p];
    prev = theta;
    theta = new Float64Array(P);
    for (let p = 0; p < P; p++) theta[p] = look[p] - lr * grad[p];
  }
  return { C, L, W: theta.slice(0, L * C), b: theta.slice(L * C) };
}

/** Softmax probabilities (N, L) of the probe on flat (N, C) features. */
export function probeProbs(m: Probe, X0: Rows): Float32Array {
  const { C, L } = m;
  const X = X0 instanceof Float64Array ? X0 : Float64Array.from(X0);
  if (X.length % C !== 0) throw new Error(`probeProbs: ${X.length} values are not rows of width ${C}`);
  const N = X.length / C;
  const out = new Float32Array(N * L);
  const z = new Float64Array(L);
  for (let i = 0; i < N; i++) {
    let max = -Infinity;
    for (let l = 0; l < L; l++) {
      let s = m.b[l];
      for (let c = 0; c < C; c++) s += X[i * C + c] * m.W[l * C + c];
      z[l] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let l = 0; l < L; l++) sum += z[l] = Math.exp(z[l] - max);
    for (let l = 0; l < L; l++) out[i * L + l] = z[l] / sum;
  }
  return out;
}

/** Probes fitted on labelled rows of one standardised feature table, memoised by the labelled set. */
export interface RowsFitter {
  /** The standardiser (statistics of all N rows) and the standardised (N, C) features of every text. */
  z: Standardizer;
  zf: Float32Array;
  C: number;
  L: number;
  /** The probe on rows -> labels (the same set, in any order, returns the same probe object). */
  fit(pairs: ReadonlyMap<number, number>): Probe;
  /** Whether fit(pairs) is already memoised (costs nothing). */
  has(pairs: ReadonlyMap<number, number>): boolean;
}

/** A fitter over raw (N, C) features (standardised once here, with statistics of all N rows). */
export function rowsFitter(features: Float32Array, C: number, L: number): RowsFitter {
  const z = standardizer(features, C);
  const zf = z(features);
  const memo = new Map<string, Probe>();
  const keyOf = (pairs: ReadonlyMap<number, number>) =>
    [...pairs.keys()]
      .sort((a, b) => a - b)
      .map((r) => `${r}:${pairs.get(r)}`)
      .join(',');
  return {
    z,
    zf,
    C,
    L,
    has: (pairs) => memo.has(keyOf(pairs)),
    fit(pairs) {
      const rows = [...pairs.keys()].sort((a, b) => a - b);
      const key = keyOf(pairs);
      let m = memo.get(key);
      if (!m) {
        const X = new Float32Array(rows.length * C);
        rows.forEach((r, i) => X.set(zf.subarray(r * C, (r + 1) * C), i * C));
        m = fitProbe(X, rows.map((r) => pairs.get(r)!), C, L);
        memo.set(key, m);
      }
      return m;
    },
  };
}
