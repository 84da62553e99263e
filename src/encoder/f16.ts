// Bulk float32 <-> IEEE 754 binary16 conversion for the feature cache.
// Design decision: finite values beyond the float16 range CLAMP to +-65504 (and +-Infinity too) instead of
// becoming Infinity, because one Inf in a cached feature turns a head's layer norm into NaN; NaN stays NaN
// (the cache refuses to store it). In range, rounding is round-to-nearest-even, so the relative error of a
// normal value is at most 2^-11 (~4.9e-4); below 2^-14 (6.1e-5) the error is at most 2^-25 (~3e-8) absolute.
// Written here rather than taken from @petamoriken/float16 (the test oracle) because that library converts one
// number at a time and maps overflow to Infinity; these loops convert whole typed arrays.

/** Largest finite float16 value; what out-of-range inputs clamp to. */
export const F16_MAX = 65504;

/** Worst-case relative error of a normal value after rounding to float16 (half an ulp: 2^-11). */
export const F16_REL_ERROR = 2 ** -11;

/** Worst-case absolute error in the subnormal range (|x| < 2^-14): half the smallest subnormal, 2^-25. */
export const F16_ABS_ERROR = 2 ** -25;

/**
 * Round `src` to float16 bits in `dst` (same length). Returns how many values were clamped to +-65504
 * (finite values beyond the range and +-Infinity); NaN becomes a quiet float16 NaN (0x7e00 with sign).
 */
export function float32ToFloat16(src: Float32Array, dst: Uint16Array): number {
  if (dst.length !== src.length) {
    throw new RangeError(`float32ToFloat16: dst has ${dst.length} elements, src has ${src.length}; they must match`);
  }
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  let clamped = 0;
  for (let i = 0; i < bits.length; i++) {
    const u = bits[i];
    const sign = (u >>> 16) & 0x8000;
    const abs = u & 0x7fffffff;
    let h: number;
    if (abs > 0x477fe000) {
      // > 65504 (including Infinity) or NaN.
      if (abs > 0x7f800000) {
        h = sign | 0x7e00;
      } else {
        h = sign | 0x7bff;
        clamped++;
      }
    } else if (abs >= 0x38800000) {
      // Normal float16: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to even.
      h = (abs - 0x38000000) >>> 13;
      const rem = abs & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++;
      h |= sign;
    } else if (abs > 0x33000000) {
      // Subnormal float16 (value = m * 2^-24); a round-up to 0x400 correctly becomes the smallest normal.
      const shift = 126 - (abs >>> 23);
      const mant = (abs & 0x7fffff) | 0x800000;
      let m = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (m & 1) !== 0)) m++;
      h = sign | m;
    } else {
      // |x| <= 2^-25 rounds to (signed) zero; exactly 2^-25 is a tie and zero is even.
      h = sign;
    }
    dst[i] = h;
  }
  return clamped;
}

let decodeTable: Float32Array | null = null;

/** Every float16 bit pattern's float32 value (256 KiB, built on first use). */
function table(): Float32Array {
  if (decodeTable) return decodeTable;
  const t = new Float32Array(65536);
  const tBits = new Uint32Array(t.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) {
      tBits[h] = sign | 0x7f800000 | (mant << 13); // Inf / NaN
    } else if (exp !== 0) {
      tBits[h] = sign | ((exp + 112) << 23) | (mant << 13);
    } else {
      t[h] = (sign ? -1 : 1) * mant * 2 ** -24; // zero or subnormal, exact in float32
    }
  }
  decodeTable = t;
  return t;
}

/** Expand float16 bits in `src` to float32 values in `dst` (same length). Exact: every float16 is a float32. */
export function float16ToFloat32(src: Uint16Array, dst: Float32Array): void {
  if (dst.length !== src.length) {
    throw new RangeError(`float16ToFloat32: dst has ${dst.length} elements, src has ${src.length}; they must match`);
  }
  const t = table();
  for (let i = 0; i < src.length; i++) dst[i] = t[src[i]];
}

/** Convenience: round each value of `src` through float16 and back (what a cache round trip returns). */
export function roundThroughFloat16(src: Float32Array): Float32Array {
  const h = new Uint16Array(src.length);
  float32ToFloat16(src, h);
  const out = new Float32Array(src.length);
  float16ToFloat32(h, out);
  return out;
}
