// float16 conversion (src/encoder/f16.ts) against @petamoriken/float16 as the oracle, and the CRC-32 used by
// cache entries against its standard check value.
import { getFloat16, setFloat16 } from '@petamoriken/float16';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/encoder/crc32';
import { F16_ABS_ERROR, F16_MAX, F16_REL_ERROR, float16ToFloat32, float32ToFloat16, roundThroughFloat16 } from '../../src/encoder/f16';
import { rng } from '../helpers/rng';

const view = new DataView(new ArrayBuffer(2));
/** The oracle's float16 bits of x (round-to-nearest-even; overflow -> Infinity). */
function oracleBits(x: number): number {
  setFloat16(view, 0, x, true);
  return view.getUint16(0, true);
}

function f32FromBits(bits: Uint32Array): Float32Array {
  return new Float32Array(bits.buffer, bits.byteOffset, bits.length);
}

describe('float16ToFloat32', () => {
  it('decodes all 65536 bit patterns exactly like the oracle', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const out = new Float32Array(65536);
    float16ToFloat32(all, out);
    let mismatches = 0;
    for (let h = 0; h < 65536; h++) {
      view.setUint16(0, h, true);
      if (!Object.is(out[h], Math.fround(getFloat16(view, 0, true)))) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(out[0x7bff]).toBe(F16_MAX);
    expect(out[0x0001]).toBe(2 ** -24);
    expect(Object.is(out[0x8000], -0)).toBe(true);
  });
  it('rejects arrays of different lengths', () => {
    expect(() => float16ToFloat32(new Uint16Array(3), new Float32Array(2))).toThrow(/must match/);
  });
});

describe('float32ToFloat16', () => {
  it('returns every float16 value to its own bits', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = new Float32Array(65536);
    float16ToFloat32(all, values);
    const back = new Uint16Array(65536);
    float32ToFloat16(values, back);
    for (let h = 0; h < 65536; h++) {
      const isNaN16 = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      const isInf16 = (h & 0x7fff) === 0x7c00;
      if (isNaN16) expect((back[h] & 0x7fff) > 0x7c00, `NaN ${h}`).toBe(true);
      else if (isInf16) expect(back[h], `Inf ${h}`).toBe((h & 0x8000) | 0x7bff); // clamped
      else if (back[h] !== h) throw new Error(`0x${h.toString(16)} -> 0x${back[h].toString(16)}`);
    }
  });

  it('rounds midpoints to even and neighbours of midpoints to the nearest, like the oracle', () => {
    // Midpoints between consecutive finite positive float16 values, and one float32 ulp either side.
    const xs: number[] = [];
    const all = new Uint16Array(0x7bff).map((_, i) => i);
    const vals = new Float32Array(all.length);
    float16ToFloat32(all, vals);
    for (let h = 0; h + 1 < vals.length; h++) {
      const mid = Math.fround((vals[h] + vals[h + 1]) / 2); // exact: float16 midpoints fit float32
      const below = new Float32Array([mid]);
      const bits = new Uint32Array(below.buffer);
      xs.push(mid);
      if (mid > 0) {
        bits[0]--;
        xs.push(below[0]);
        bits[0] += 2;
        xs.push(below[0]);
      }
    }
    const src = Float32Array.from(xs.flatMap((x) => [x, -x]));
    const got = new Uint16Array(src.length);
    float32ToFloat16(src, got);
    for (let i = 0; i < src.length; i++) {
      if (got[i] !== oracleBits(src[i])) throw new Error(`x=${src[i]}: got 0x${got[i].toString(16)}, oracle 0x${oracleBits(src[i]).toString(16)}`);
    }
  });

  it('matches the oracle on 400k random float32 bit patterns (in range) and clamps the rest', () => {
    const r = rng(7);
    const n = 400_000;
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const sign = r() < 0.5 ? 0x80000000 : 0;
      // Half fully random, half with exponents around float16's range (2^-27 .. 2^17).
      const exp = i % 2 === 0 ? Math.floor(r() * 256) : 100 + Math.floor(r() * 45);
      bits[i] = (sign | (exp << 23) | Math.floor(r() * 0x800000)) >>> 0;
    }
    const src = f32FromBits(bits);
    const got = new Uint16Array(n);
    const { clamped, firstNaN } = float32ToFloat16(src, got);
    expect(firstNaN).toBe(src.findIndex((x) => Number.isNaN(x)));
    let expectedClamped = 0;
    for (let i = 0; i < n; i++) {
      const x = src[i];
      if (Number.isNaN(x)) {
        expect((got[i] & 0x7fff) > 0x7c00).toBe(true);
        continue;
      }
      let want = oracleBits(x);
      if (Math.abs(x) > F16_MAX) {
        want = (x < 0 ? 0x8000 : 0) | 0x7bff;
        expectedClamped++;
      }
      if (got[i] !== want) throw new Error(`x=${x} (0x${bits[i].toString(16)}): got 0x${got[i].toString(16)}, want 0x${want.toString(16)}`);
    }
    expect(clamped).toBe(expectedClamped);
    expect(expectedClamped).toBeGreaterThan(1000);
  });

  it('clamps 1e6, 65520, Infinity to +-65504 and counts them; keeps 65504 and NaN', () => {
    const src = new Float32Array([1e6, -1e6, 65520, 65519, 65504, Infinity, -Infinity, NaN, 1e-9]);
    const back = roundThroughFloat16(src);
    expect(Array.from(back.subarray(0, 7))).toEqual([65504, -65504, 65504, 65504, 65504, 65504, -65504]);
    expect(Number.isNaN(back[7])).toBe(true);
    expect(back[8]).toBe(0);
    // Counted: every |x| > 65504 (1e6, -1e6, 65520, 65519, +-Inf), though 65519 would round to 65504 anyway.
    expect(float32ToFloat16(src, new Uint16Array(src.length))).toEqual({ clamped: 6, firstNaN: 7 });
  });

  it('keeps the documented error bounds (rel 2^-11 for normals, abs 2^-25 below 2^-14)', () => {
    const r = rng(3);
    const src = Float32Array.from({ length: 100_000 }, () => (r() - 0.5) * 10 ** (r() * 12 - 7));
    const back = roundThroughFloat16(src);
    let worstRel = 0;
    for (let i = 0; i < src.length; i++) {
      const x = src[i];
      const err = Math.abs(back[i] - x);
      if (Math.abs(x) >= 2 ** -14) worstRel = Math.max(worstRel, err / Math.abs(x));
      else expect(err).toBeLessThanOrEqual(F16_ABS_ERROR);
    }
    expect(worstRel).toBeLessThanOrEqual(F16_REL_ERROR);
    expect(worstRel).toBeGreaterThan(F16_REL_ERROR * 0.9); // the bound is tight, so the test exercises it
  });
});

describe('crc32', () => {
  it('gives the standard check value and matches the byte-wise definition at every length', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const slow = (b: Uint8Array): number => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const r = rng(11);
    const data = Uint8Array.from({ length: 300 }, () => Math.floor(r() * 256));
    for (let n = 0; n <= data.length; n += 1) expect(crc32(data.subarray(0, n))).toBe(slow(data.subarray(0, n)));
    // Unaligned views too.
    expect(crc32(data.subarray(3, 203))).toBe(slow(data.subarray(3, 203)));
  });
});
