// Shifted identity: Y[r, c] = 1 where r == c + offset, else 0; Y (rows, cols) row-major. The constant 0/1
// matrices the Y-Tuning head uses to concatenate and split its memory (S = [I_T; 0] with offset 0, e_T with
// rows T+1, cols 1, offset T), generated on the GPU inside the recorded command buffer instead of uploaded.
// No backward (the output does not depend on any input).

struct Params {
  rows: u32,    // byte 0: rows of Y
  cols: u32,    // byte 4: columns of Y
  offset: u32,  // byte 8: Y[r, c] = 1 iff r == c + offset
  _pad: u32,    // byte 12: unused (16-byte uniform)
};

@group(0) @binding(0) var<storage, read_write> y: array<f32>;  // (rows, cols)
@group(0) @binding(1) var<uniform> p: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn shifted_eye(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  let c = i % p.cols;
  y[i] = select(0.0, 1.0, r == c + p.offset);
}
