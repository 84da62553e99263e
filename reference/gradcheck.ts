// Central finite differences in float64: the oracle for every reference backward. Design decision: we check the
// directional form <dL/dx, v> for a scalar loss L = <f(x), w> with fixed random w, element by element for small
// inputs, so a backward that is wrong in any single entry fails.

export interface GradCheckResult {
  maxAbsErr: number;
  maxRelErr: number;
  worstIndex: number;
}

/**
 * Compare `analytic` (dL/dx) to central differences of `loss` around x (x is restored afterwards).
 * Passing means |analytic - numeric| <= atol + rtol * |numeric| everywhere.
 */
export function finiteDifference(
  x: Float64Array,
  loss: () => number,
  eps = 1e-6,
): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i];
    x[i] = old + eps;
    const lp = loss();
    x[i] = old - eps;
    const lm = loss();
    x[i] = old;
    g[i] = (lp - lm) / (2 * eps);
  }
  return g;
}

export function compareGrads(analytic: ArrayLike<number>, numeric: ArrayLike<number>, atol: number, rtol: number): GradCheckResult & { ok: boolean } {
  let maxAbsErr = 0;
  let maxRelErr = 0;
  let worstIndex = -1;
  let ok = true;
  for (let i = 0; i < numeric.length; i++) {
    const err = Math.abs(analytic[i] - numeric[i]);
    const rel = err / Math.max(1e-12, Math.abs(numeric[i]));
    if (err > atol + rtol * Math.abs(numeric[i])) ok = false;
    if (err > maxAbsErr) {
      maxAbsErr = err;
      worstIndex = i;
    }
    if (rel > maxRelErr) maxRelErr = rel;
  }
  return { ok, maxAbsErr, maxRelErr, worstIndex };
}

/** Scalar loss <y, w>: the usual probe for checking a vector-valued op's backward with upstream gradient w. */
export function dot(y: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * w[i];
  return s;
}
