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

export interface Float16Conversion {
  /** How many values were clamped to +-65504 (|x| > 65504, including +-Infinity). */
  clamped: number;
  /** Index of the first NaN (stored as a quiet float16 NaN, 0x7e00 with sign), or -1 when there is none. */
  firstNaN: number;
}

/** Round `src` to float16 bits in `dst` (same length); see Float16Conversion for what it reports. */
export function float32ToFloat16(src: Float32Array, dst: Uint16Array): Float16Conversion {
  if (dst.length !== src.length) {
    throw new RangeError(`float32ToFloat16: dst has ${dst.length} elements, src has ${src.length}; they must match`);
  }
  // Int32 bit views and constants below 2^31 keep V8 on int32 arithmetic (Uint32 values above 2^31 are doubles).
  const bits = new Int32Array(src.buffer, src.byteOffset, src.length);
  const n = bits.length;
  let clamped = 0;
  let firstNaN = -1;
  for (let i = 0; i < n; i++) {
    const u = bits[i];
    const abs = u & 0x7fffffff;
    let h: number;
    if (abs >= 0x38800000 && abs <= 0x477fe000) {
      // Normal float16 (2^-14 <= |x| <= 65504): rebias the exponent (127 -> 15) and round the 13 dropped
      // mantissa bits to nearest even: add 0xfff plus the lowest kept bit, then shift (a carry bumps the exponent).
      h = (abs - 0x38000000 + 0xfff + ((abs >> 13) & 1)) >> 13;
    } else {
      h = rareToFloat16(abs);
      if (h === 0x7bff) clamped++;
      else if (h === 0x7e00 && firstNaN < 0) firstNaN = i;
    }
    dst[i] = h | ((u >> 16) & 0x8000);
  }
  return { clamped, firstNaN };
}

/** float16 bits (no sign) of |x| outside the normal range: overflow, Inf, NaN, subnormal, zero. */
function rareToFloat16(abs: number): number {
  if (abs > 0x477fe000) return abs > 0x7f800000 ? 0x7e00 : 0x7bff; // NaN stays NaN; > 65504 and Inf clamp
  if (abs <= 0x33000000) return 0; // |x| <= 2^-25 rounds to zero (exactly 2^-25 is a tie, and zero is even)
  // Subnormal float16 (value = m * 2^-24); a round-up to 0x400 correctly becomes the smallest normal.
  const shift = 126 - (abs >> 23);
  const mant = (abs & 0x7fffff) | 0x800000;
  let m = mant >> shift;
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (m & 1) !== 0)) m++;
  return m;
}

let decodeTable: Int32Array | null = null;

/** Every float16 bit pattern's float32 bits (256 KiB, built on first use). */
function table(): Int32Array {
  if (decodeTable) return decodeTable;
  const t = new Int32Array(65536);
  const tf = new Float32Array(t.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) {
      t[h] = sign | 0x7f800000 | (mant << 13); // Inf / NaN
    } else if (exp !== 0) {
      t[h] = sign | ((exp + 112) << 23) | (mant << 13);
    } else {
      tf[h] = (sign ? -1 : 1) * mant * 2 ** -24; // zero or subnormal, exact in float32
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
  const out = new Int32Array(dst.buffer, dst.byteOffset, dst.length); // copy bits: no float conversions
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
}

/** Convenience: round each value of `src` through float16 and back (what a cache round trip returns). */
export function roundThroughFloat16(src: Float32Array): Float32Array {
  const h = new Uint16Array(src.length);
  float32ToFloat16(src, h);
  const out = new Float32Array(src.length);
  float16ToFloat32(h, out);
  return out;
}
