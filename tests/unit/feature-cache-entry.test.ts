// The binary entry format (src/encoder/cache-entry.ts): round trip within float16 tolerance, and every kind of
// damage detected with a specific reason.
import { describe, expect, it } from 'vitest';
import { CacheEntryError, ENTRY_HEADER_BYTES, decodeEntry, encodeEntry, entryBytes } from '../../src/encoder/cache-entry';
import { cacheKey } from '../../src/encoder/cache-key';
import { crc32 } from '../../src/encoder/crc32';
import type { EncodedExample } from '../../src/encoder/types';
import { example, expectF16Close } from '../helpers/feature-cache';

const KEY = 'ab'.repeat(32);
const OTHER_KEY = 'cd'.repeat(32);

function rejectReason(key: string, bytes: Uint8Array): string {
  try {
    decodeEntry(key, bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(CacheEntryError);
    return (e as CacheEntryError).reason;
  }
  throw new Error('decodeEntry accepted a damaged entry');
}

/** Re-seal a modified entry with a valid checksum (to reach the checks after the CRC). */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('feature-cache entry format', () => {
  it('round-trips shapes and values within float16 tolerance (single text)', () => {
    const ex = example(64, 512, 1);
    const { bytes, clamped } = encodeEntry(KEY, ex);
    expect(clamped).toBe(0);
    expect(bytes.length).toBe(entryBytes(64, 512, false));
    expect(bytes.length).toBe(ENTRY_HEADER_BYTES + 2 * (64 * 512 + 512) + 4);
    const back = decodeEntry(KEY, bytes);
    expect(back.length).toBe(64);
    expect(back.segmentA).toBeUndefined();
    expect(back.pooledB).toBeUndefined();
    expectF16Close(back.tokens, ex.tokens, 'tokens');
    expectF16Close(back.pooled, ex.pooled, 'pooled');
    // Separate buffers, each exactly its data (safe to upload `tokens.buffer` as is).
    expect(back.tokens.buffer.byteLength).toBe(64 * 512 * 4);
    expect(back.pooled.buffer).not.toBe(back.tokens.buffer);
  });

  it('round-trips pair fields (segmentA, pooledB) and a zero-length text', () => {
    const ex = example(9, 16, 2, true);
    const back = decodeEntry(KEY, encodeEntry(KEY, ex).bytes);
    expect(back.segmentA).toBe(4);
    expectF16Close(back.pooledB!, ex.pooledB!, 'pooledB');
    expectF16Close(back.tokens, ex.tokens, 'tokens');
    const empty: EncodedExample = { tokens: new Float32Array(0), length: 0, pooled: new Float32Array([0.5, -0.25]) };
    const e2 = decodeEntry(KEY, encodeEntry(KEY, empty).bytes);
    expect(e2.length).toBe(0);
    expect(Array.from(e2.pooled)).toEqual([0.5, -0.25]);
    const seg0 = decodeEntry(KEY, encodeEntry(KEY, { ...empty, segmentA: 0 }).bytes);
    expect(seg0.segmentA).toBe(0);
  });

  it('decodes from an odd byte offset (fs buffer pools hand those out)', () => {
    const { bytes } = encodeEntry(KEY, example(3, 8, 3));
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const back = decodeEntry(KEY, shifted.subarray(1));
    expect(Array.from(back.tokens)).toEqual(Array.from(decodeEntry(KEY, bytes).tokens));
  });

  it('detects a flipped payload byte, truncation, trailing bytes, a wrong key, bad magic/version/flags/sizes', async () => {
    const { bytes } = encodeEntry(KEY, example(8, 32, 4, true));
    const flip = (at: number): Uint8Array => {
      const b = bytes.slice();
      b[at] ^= 0x10;
      return b;
    };
    expect(rejectReason(KEY, flip(ENTRY_HEADER_BYTES + 100))).toMatch(/checksum mismatch/);
    expect(rejectReason(KEY, flip(bytes.length - 1))).toMatch(/checksum mismatch/);
    expect(rejectReason(KEY, bytes.subarray(0, bytes.length - 1))).toMatch(/^truncated/);
    expect(rejectReason(KEY, bytes.subarray(0, ENTRY_HEADER_BYTES + 100))).toMatch(/^truncated/);
    expect(rejectReason(KEY, bytes.subarray(0, 10))).toMatch(/^truncated.*header/);
    expect(rejectReason(KEY, new Uint8Array(0))).toMatch(/^truncated/);
    const longer = new Uint8Array(bytes.length + 2);
    longer.set(bytes);
    expect(rejectReason(KEY, longer)).toMatch(/^trailing bytes/);
    expect(rejectReason(OTHER_KEY, bytes)).toMatch(/key mismatch/);
    expect(rejectReason(KEY, flip(0))).toMatch(/bad magic/);
    const setU16 = (at: number, v: number): Uint8Array => {
      const b = bytes.slice();
      new DataView(b.buffer).setUint16(at, v, true);
      return reseal(b);
    };
    const setU32 = (at: number, v: number): Uint8Array => {
      const b = bytes.slice();
      new DataView(b.buffer).setUint32(at, v, true);
      return reseal(b);
    };
    expect(rejectReason(KEY, setU16(4, 2))).toMatch(/unsupported version 2/);
    expect(rejectReason(KEY, setU16(6, 0x7))).toMatch(/unknown flags/);
    expect(rejectReason(KEY, setU32(8, 9))).toMatch(/truncated.*header implies/); // length says more rows
    expect(rejectReason(KEY, setU32(12, 0))).toMatch(/width C is 0/);
    expect(rejectReason(KEY, setU32(16, 99))).toMatch(/segmentA 99 > length 8/);
    expect(rejectReason(KEY, setU32(20, 1))).toMatch(/reserved/);
    // Garbage of a plausible size.
    expect(rejectReason(KEY, new Uint8Array(bytes.length).fill(0x41))).toMatch(/bad magic/);
    // A real key from cacheKey() works end to end.
    const real = await cacheKey({ modelHash: 'm', tmax: 8, text: 'hi' });
    expect(decodeEntry(real, encodeEntry(real, example(2, 4, 5)).bytes).length).toBe(2);
  });

  it('clamps values beyond +-65504 and reports how many; refuses NaN and malformed examples', () => {
    const ex: EncodedExample = { tokens: new Float32Array([1e6, -1e6, 20, Infinity]), length: 2, pooled: new Float32Array([1, 2]) };
    const { bytes, clamped } = encodeEntry(KEY, ex);
    expect(clamped).toBe(3);
    expect(Array.from(decodeEntry(KEY, bytes).tokens)).toEqual([65504, -65504, 20, 65504]);
    const nan = { ...ex, tokens: new Float32Array([0, NaN, 0, 0]) };
    expect(() => encodeEntry(KEY, nan)).toThrow(/tokens\[1\] is NaN/);
    expect(() => encodeEntry(KEY, { ...ex, length: 3 })).toThrow(/length\*C = 3\*2 = 6 values, got 4 values/);
    expect(() => encodeEntry(KEY, { ...ex, pooled: new Float32Array(0) })).toThrow(/pooled must be a non-empty Float32Array/);
    expect(() => encodeEntry(KEY, { ...ex, segmentA: 3 })).toThrow(/segmentA must be an integer in \[0, length=2\]/);
    expect(() => encodeEntry(KEY, { ...ex, pooledB: new Float32Array(3) })).toThrow(/pooledB must be a Float32Array of width C = 2/);
    expect(() => encodeEntry('nope', ex)).toThrow(/64 lowercase hex digits/);
  });
});
