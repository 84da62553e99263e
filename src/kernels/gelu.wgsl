// GELU, exact (erf) form as PyTorch's default nn.GELU, forward and backward (elementwise).
// forward:   y  = x * Phi(x),                      Phi(x) = 0.5 * erfc(-x / sqrt(2))
// backward:  dX = dY * (Phi(x) + x * phi(x))       phi(x) = exp(-x^2 / 2) / sqrt(2 pi)   (overwrites dX)
// WGSL has no erf: erfc below uses W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
// approximations for the error function", Math. Comp. 23, 1969), accurate far beyond f32 in exact arithmetic,
// so in f32 the error is a few ulp (~1e-7 absolute near 0, and *relative* in the lower tail, where
// Phi(x) = 0.5 * erfc(|x| / sqrt(2)) never goes through 1 - erf).
//
// Each entry point has its own bind group layout; WGSL lets two variables share a @binding as long as no one
// entry point uses both (y and dY below).

struct Params {
  n: u32,      // byte 0: number of elements
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (n)     forward, backward
@group(0) @binding(2) var<storage, read_write> y: array<f32>;    // (n)     forward
@group(0) @binding(2) var<storage, read> dY: array<f32>;         // (n)     backward
@group(0) @binding(3) var<storage, read_write> dX: array<f32>;   // (n)     backward

override WG: u32 = 256;

const INV_SQRT2: f32 = 0.70710678118654752;
const INV_SQRT_2PI: f32 = 0.39894228040143268;
const INV_SQRT_PI: f32 = 0.56418958354775629;

// erf(z) for |z| <= 0.46875: z * P(z^2) / Q(z^2).
fn erf_small(z: f32) -> f32 {
  let t = z * z;
  let num = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t
             + 377.485237685302021) * t + 3209.37758913846947;
  let den = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t
            + 2844.23683343917062;
  return z * num / den;
}

// exp(-a^2) for a >= 0, with a^2 split as s^2 + (a - s)(a + s), s = a rounded down to 1/16, so s^2 is exact in f32
// and the rounding error of a*a does not get amplified by exp.
fn exp_neg_sq(a: f32) -> f32 {
  let s = floor(a * 16.0) / 16.0;
  return exp(-s * s) * exp(-(a - s) * (a + s));
}

// erfc(a) for a > 0.46875 (the caller routes smaller |z| to erf_small).
fn erfc_tail(a: f32) -> f32 {
  if (a >= 10.0) { return 0.0; } // erfc(10) = 2e-45: below the smallest normal f32
  var r: f32;
  if (a <= 4.0) {
    let num = (((((((2.15311535474403846e-8 * a + 0.564188496988670089) * a + 8.88314979438837594) * a
                + 66.1191906371416295) * a + 298.635138197400131) * a + 881.952221241769090) * a
                + 1712.04761263407058) * a + 2051.07837782607147) * a + 1230.33935479799725;
    let den = (((((((a + 15.7449261107098347) * a + 117.693950891312499) * a + 537.181101862009858) * a
                + 1621.38957456669019) * a + 3290.79923573345963) * a + 4362.61909014324716) * a
                + 3439.36767414372164) * a + 1230.33935480374942;
    r = num / den;
  } else {
    let t = 1.0 / (a * a);
    let num = ((((0.0163153871373020978 * t + 0.305326634961232344) * t + 0.360344899949804439) * t
               + 0.125781726111229246) * t + 0.0160837851487422766) * t + 6.58749161529837803e-4;
    let den = ((((t + 2.56852019228982242) * t + 1.87295284992346047) * t + 0.527905102951428412) * t
               + 0.0605183413124413191) * t + 2.33520497626869185e-3;
    r = (INV_SQRT_PI - t * num / den) / a;
  }
  return exp_neg_sq(a) * r;
}

// Standard normal CDF Phi(v) = 0.5 * erfc(-v / sqrt(2)).
fn normal_cdf(v: f32) -> f32 {
  let z = v * INV_SQRT2;
  let a = abs(z);
  if (a <= 0.46875) { return 0.5 + 0.5 * erf_small(z); }
  let c = 0.5 * erfc_tail(a);
  return select(1.0 - c, c, v < 0.0);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let v = x[i];
  y[i] = v * normal_cdf(v);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let v = x[i];
  // phi(v) underflows to 0 for |v| > ~14; v * 0 stays finite for any finite v.
  let pdf = INV_SQRT_2PI * exp(-0.5 * v * v);
  dX[i] = dY[i] * (normal_cdf(v) + v * pdf);
}
