// Packing of kernel uniforms. Design decision: every uniform struct in our WGSL is a flat list of 4-byte
// scalars (u32 / i32 / f32) in declaration order, so packing is positional and the byte layout is simply
// "field i at byte 4*i"; the struct is padded to 16 bytes as WGSL requires. Each kernel's .ts documents its
// fields in the same order as its WGSL struct.

export type UniformField = { u32: number } | { i32: number } | { f32: number };

export function packUniforms(fields: UniformField[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  const buf = new ArrayBuffer(bytes);
  const view = new DataView(buf);
  fields.forEach((f, i) => {
    if ('u32' in f) {
      if (!Number.isInteger(f.u32) || f.u32 < 0 || f.u32 > 0xffffffff) throw new Error(`uniform ${i}: bad u32 ${f.u32}`);
      view.setUint32(4 * i, f.u32, true);
    } else if ('i32' in f) view.setInt32(4 * i, f.i32, true);
    else view.setFloat32(4 * i, f.f32, true);
  });
  return buf;
}

export const u32 = (v: number): UniformField => ({ u32: v });
export const i32 = (v: number): UniformField => ({ i32: v });
export const f32 = (v: number): UniformField => ({ f32: v });
