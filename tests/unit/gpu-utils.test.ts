import { describe, expect, it } from 'vitest';
import { bucketSize } from '../../src/gpu/buffer-pool';
import { pipelineKey } from '../../src/gpu/kernel';
import { packUniforms, f32, i32, u32 } from '../../src/gpu/uniforms';
import { grid1d } from '../../src/kernels/dispatch';

describe('buffer pool buckets', () => {
  it('round up, never down, and stay within 25% above 64 KiB', () => {
    for (const n of [1, 4, 255, 256, 257, 4099, 65536, 65537, 100_000, 3_000_001]) {
      const b = bucketSize(n);
      expect(b).toBeGreaterThanOrEqual(n);
      if (n > 65536) expect(b / n).toBeLessThanOrEqual(1.25);
      expect(b % 16).toBe(0);
    }
  });
});

describe('uniform packing', () => {
  it('puts field i at byte 4*i, padded to 16 bytes', () => {
    const buf = packUniforms([u32(7), f32(0.5), i32(-3)]);
    expect(buf.byteLength).toBe(16);
    const v = new DataView(buf);
    expect(v.getUint32(0, true)).toBe(7);
    expect(v.getFloat32(4, true)).toBe(0.5);
    expect(v.getInt32(8, true)).toBe(-3);
    expect(packUniforms([u32(1), u32(2), u32(3), u32(4), u32(5)]).byteLength).toBe(32);
  });
  it('rejects values that are not u32', () => {
    expect(() => packUniforms([u32(-1)])).toThrow(/bad u32/);
    expect(() => packUniforms([u32(1.5)])).toThrow(/bad u32/);
  });
});

describe('pipeline keys', () => {
  it('depend on build-time facts only, including overrides', () => {
    const spec = { name: 'k.f', wgsl: 'x', entryPoint: 'f', bindings: ['read', 'rw'] as const };
    expect(pipelineKey(spec)).toBe(pipelineKey({ ...spec }));
    expect(pipelineKey({ ...spec, overrides: { WG: 64 } })).not.toBe(pipelineKey({ ...spec, overrides: { WG: 128 } }));
    expect(pipelineKey({ ...spec, overrides: { A: 1, B: 2 } })).toBe(pipelineKey({ ...spec, overrides: { B: 2, A: 1 } }));
  });
});

describe('grid1d', () => {
  it('covers n with at most 65535 groups per dimension', () => {
    for (const n of [1, 255, 256, 257, 65535 * 256, 65535 * 256 + 1, 50_000_000]) {
      const [x, y] = grid1d(n, 256);
      expect(x).toBeLessThanOrEqual(65535);
      expect(y).toBeLessThanOrEqual(65535);
      expect(x * y * 256).toBeGreaterThanOrEqual(n);
    }
  });
});
