// GELU, exact (erf) form as PyTorch's default nn.GELU, in float64 (the oracle for src/kernels/gelu.wgsl).
// forward:  y = x * Phi(x),  Phi(x) = 0.5 * (1 + erf(x / sqrt(2))) = 0.5 * erfc(-x / sqrt(2))
// backward: dX = dY * (Phi(x) + x * phi(x)),  phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
// erf/erfc are written here from their series and continued fraction (~1e-16 relative), independently of the
// rational approximation the WGSL uses.

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2 / sqrt(pi)
const INV_SQRT_PI = 0.5641895835477563; // 1 / sqrt(pi)
const INV_SQRT2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;
const SERIES_MAX = 3; // erf: series below, continued fraction at and above
const CF_MIN = 1.5; // erfc: continued fraction at and above (120 terms have converged there), 1 - erf below

/**
 * erf for |x| < 3 from the all-positive series erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!
 * (no cancellation, so relative accuracy is a few ulp).
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * erfc for x >= 1.5 from the continued fraction
 * erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))), evaluated bottom-up.
 */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return (Math.exp(-x * x) * INV_SQRT_PI) / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < SERIES_MAX) return erfSeries(x);
  const r = 1 - erfcContinuedFraction(a);
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= CF_MIN) return erfcContinuedFraction(x);
  if (x <= -CF_MIN) return 2 - erfcContinuedFraction(-x);
  return 1 - erfSeries(x);
}

/** Standard normal CDF, relatively accurate in the lower tail (via erfc). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * INV_SQRT2);
}

export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

export function geluForward(x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] * normalCdf(x[i]);
  return y;
}

export function geluBackward(x: Float64Array, dY: Float64Array): Float64Array {
  if (x.length !== dY.length) throw new Error('gelu: size mismatch');
  const dX = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) dX[i] = dY[i] * (normalCdf(x[i]) + x[i] * normalPdf(x[i]));
  return dX;
}
