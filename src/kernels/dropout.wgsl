// Dropout with a counter-based mask: nothing is stored between forward and backward.
//   keep(i) = hash(seed, step, stream, i) >= threshold,   threshold = round(p * 2^32)   (keep probability 1 - p)
//   forward:   y[i]  = keep(i) ? x[i]  * scale : 0,        scale = 1 / (1 - p)
//   backward:  dX[i] = keep(i) ? dY[i] * scale : 0         (the same entry point, with dY in and dX out)
// hash: k = F(F(F(seed) ^ step) ^ stream), then h = F(F(i) ^ k), F = Chris Wellons' "lowbias32" integer mix
// (a bijection of u32 with low bias). reference/dropout.ts computes the same bits in JavaScript (Math.imul).

struct Params {
  n: u32,          // byte 0:  number of elements
  seed: u32,       // byte 4:  run seed
  step: u32,       // byte 8:  training step (a new mask every step)
  stream: u32,     // byte 12: dropout site (a different mask per place in the network)
  threshold: u32,  // byte 16: drop iff hash < threshold
  scale: f32,      // byte 20: 1 / (1 - p)
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (n)  x (forward) or dY (backward)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;    // (n)  y (forward) or dX (backward), overwritten

override WG: u32 = 256;

fn lowbias32(v: u32) -> u32 {
  var h = v;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let k = lowbias32(lowbias32(lowbias32(p.seed) ^ p.step) ^ p.stream);
  let h = lowbias32(lowbias32(i) ^ k);
  y[i] = select(0.0, x[i] * p.scale, h >= p.threshold);
}
