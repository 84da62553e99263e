// Batched GEMM in float64, the oracle for src/kernels/matmul.wgsl: Y(b) = alpha * op(A(b)) @ op(B(b)) + bias,
// op = optional transpose; A (batch, M, K) or (batch, K, M) with transA; B (batch, K, N) or (batch, N, K) with
// transB, or one B shared by all batches (bBatched false); Y (batch, M, N). Backward and the linear-layer
// helpers are written out element by element (not by calling matmul) so they check the GPU independently.

export interface MatmulShape {
  batch: number;
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
  /** B has a batch dimension (default true); false: one B (K, N) / (N, K) shared by every batch. */
  bBatched?: boolean;
  /** Scale of the product (default 1); the bias is not scaled. */
  alpha?: number;
}

/** Element op(A(b))[m, k]. */
function aAt(A: Float64Array, s: MatmulShape, b: number, m: number, k: number): number {
  const base = b * s.M * s.K;
  return s.transA ? A[base + k * s.M + m] : A[base + m * s.K + k];
}

/** Element op(B(b))[k, n]. */
function bAt(B: Float64Array, s: MatmulShape, b: number, k: number, n: number): number {
  const base = s.bBatched === false ? 0 : b * s.K * s.N;
  return s.transB ? B[base + n * s.K + k] : B[base + k * s.N + n];
}

function checkSizes(s: MatmulShape, A: Float64Array, B: Float64Array): void {
  if (A.length !== s.batch * s.M * s.K) throw new Error(`matmul ref: A has ${A.length} values, want ${s.batch * s.M * s.K}`);
  const nb = (s.bBatched === false ? 1 : s.batch) * s.K * s.N;
  if (B.length !== nb) throw new Error(`matmul ref: B has ${B.length} values, want ${nb}`);
}

/** Y = alpha * op(A) op(B) + bias; bias (N) or null. Returns Y (batch, M, N). */
export function matmulForward(A: Float64Array, B: Float64Array, bias: Float64Array | null, s: MatmulShape): Float64Array {
  checkSizes(s, A, B);
  const alpha = s.alpha ?? 1;
  const Y = new Float64Array(s.batch * s.M * s.N);
  for (let b = 0; b < s.batch; b++) {
    for (let m = 0; m < s.M; m++) {
      for (let n = 0; n < s.N; n++) {
        let acc = 0;
        for (let k = 0; k < s.K; k++) acc += aAt(A, s, b, m, k) * bAt(B, s, b, k, n);
        Y[(b * s.M + m) * s.N + n] = alpha * acc + (bias ? bias[n] : 0);
      }
    }
  }
  return Y;
}

/**
 * Gradients of L with dL/dY = dY (batch, M, N). dA has A's layout (transposed when transA), dB has B's layout
 * (and is summed over the batch when B is shared), dBias (N) is the column sum of dY over batch and rows.
 */
export function matmulBackward(
  A: Float64Array,
  B: Float64Array,
  dY: Float64Array,
  s: MatmulShape,
): { dA: Float64Array; dB: Float64Array; dBias: Float64Array } {
  checkSizes(s, A, B);
  const alpha = s.alpha ?? 1;
  const dA = new Float64Array(A.length);
  const dB = new Float64Array(B.length);
  const dBias = new Float64Array(s.N);
  const bShared = s.bBatched === false;
  for (let b = 0; b < s.batch; b++) {
    const aBase = b * s.M * s.K;
    const bBase = bShared ? 0 : b * s.K * s.N;
    for (let m = 0; m < s.M; m++) {
      for (let n = 0; n < s.N; n++) {
        const g = dY[(b * s.M + m) * s.N + n];
        dBias[n] += g;
        for (let k = 0; k < s.K; k++) {
          const ai = aBase + (s.transA ? k * s.M + m : m * s.K + k);
          const bi = bBase + (s.transB ? n * s.K + k : k * s.N + n);
          // Y[m, n] += alpha * a[m, k] * b[k, n]
          dA[ai] += alpha * g * B[bi];
          dB[bi] += alpha * g * A[ai];
        }
      }
    }
  }
  return { dA, dB, dBias };
}

// ---- the linear layer y = x W + b, x (rows, K), W (K, N), b (N), y (rows, N) ----------------------------------

export function linearForward(x: Float64Array, W: Float64Array, bias: Float64Array | null, rows: number, K: number, N: number): Float64Array {
  const y = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N; n++) {
      let acc = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) acc += x[r * K + k] * W[k * N + n];
      y[r * N + n] = acc;
    }
  }
  return y;
}

/** dX = dY W^T (rows, K); dW = x^T dY (K, N); db = column sum of dY (N). Fresh arrays (the caller accumulates). */
export function linearBackward(
  x: Float64Array,
  W: Float64Array,
  dY: Float64Array,
  rows: number,
  K: number,
  N: number,
): { dX: Float64Array; dW: Float64Array; db: Float64Array } {
  const dX = new Float64Array(rows * K);
  const dW = new Float64Array(K * N);
  const db = new Float64Array(N);
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N; n++) {
      const g = dY[r * N + n];
      db[n] += g;
      for (let k = 0; k < K; k++) {
        dX[r * K + k] += g * W[k * N + n];
        dW[k * N + n] += g * x[r * K + k];
      }
    }
  }
  return { dX, dW, db };
}

/** Column sums of dY (rows, N): the bias gradient. */
export function biasGrad(dY: Float64Array, rows: number, N: number): Float64Array {
  const db = new Float64Array(N);
  for (let r = 0; r < rows; r++) for (let n = 0; n < N; n++) db[n] += dY[r * N + n];
  return db;
}
