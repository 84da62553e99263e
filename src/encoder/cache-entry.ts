// Binary format of one feature-cache entry (one EncodedExample under one key), encode and validating decode.
// Design decision: a decoder never trusts a byte it has not checked — magic, version, flags, the exact size the
// header implies (truncation or trailing bytes), the key echo, and a CRC-32 over everything before it; any
// failure throws CacheEntryError and the cache treats the entry as a miss and deletes it.
//
// Layout (little-endian; version 1):
//   offset size
//     0     4   magic "LTFC"
//     4     2   version (u16) = 1
//     6     2   flags (u16): bit 0 segmentA present, bit 1 pooledB present; other bits must be 0
//     8     4   length (u32): token rows
//    12     4   C (u32): width, >= 1
//    16     4   segmentA (u32): 0 unless flag bit 0; <= length
//    20     4   reserved (u32) = 0
//    24    32   key: the 32 raw bytes of the 64-hex-digit cache key
//    56   2*n   float16 payload, n = length*C + C (+ C): tokens (length, C) row-major, pooled (C), pooledB (C)?
//  56+2n    4   CRC-32 of bytes [0, 56+2n)

import { keyToBytes, toHex } from './cache-key';
import { crc32 } from './crc32';
import { float16ToFloat32, float32ToFloat16 } from './f16';
import type { EncodedExample } from './types';

export const ENTRY_MAGIC = 0x4346544c; // "LTFC" read as a little-endian u32
export const ENTRY_VERSION = 1;
export const ENTRY_HEADER_BYTES = 56;
const FLAG_SEGMENT_A = 1;
const FLAG_POOLED_B = 2;
const KNOWN_FLAGS = FLAG_SEGMENT_A | FLAG_POOLED_B;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Why an entry was rejected; the cache counts it as corrupt, deletes it and reports a miss. */
export class CacheEntryError extends Error {
  constructor(readonly reason: string) {
    super(`feature cache entry rejected: ${reason}`);
    this.name = 'CacheEntryError';
  }
}

/** Size in bytes of the encoded entry for these dimensions. */
export function entryBytes(length: number, c: number, hasPooledB: boolean): number {
  return ENTRY_HEADER_BYTES + 2 * (length * c + c + (hasPooledB ? c : 0)) + 4;
}

/** Throws a specific error when `example` is not a well-formed EncodedExample (shapes; NaN is found by encodeEntry). */
export function validateExample(example: EncodedExample, where = 'feature cache put'): void {
  const { tokens, length, pooled, segmentA, pooledB } = example ?? ({} as EncodedExample);
  if (!(pooled instanceof Float32Array) || pooled.length === 0) {
    throw new TypeError(`${where}: pooled must be a non-empty Float32Array of width C`);
  }
  const c = pooled.length;
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`${where}: length must be an integer >= 0, got ${length}`);
  if (!(tokens instanceof Float32Array) || tokens.length !== length * c) {
    const got = tokens instanceof Float32Array ? `${tokens.length} values` : typeof tokens;
    throw new RangeError(`${where}: tokens must be a Float32Array of length*C = ${length}*${c} = ${length * c} values, got ${got}`);
  }
  if (segmentA !== undefined && (!Number.isInteger(segmentA) || segmentA < 0 || segmentA > length)) {
    throw new RangeError(`${where}: segmentA must be an integer in [0, length=${length}], got ${segmentA}`);
  }
  if (pooledB !== undefined && (!(pooledB instanceof Float32Array) || pooledB.length !== c)) {
    throw new RangeError(`${where}: pooledB must be a Float32Array of width C = ${c} like pooled`);
  }
}

/**
 * Encode `example` under `key`. Values beyond +-65504 (and +-Infinity) are clamped to +-65504; `clamped` counts
 * them. Throws on a malformed example or key.
 */
export function encodeEntry(key: string, example: EncodedExample): { bytes: Uint8Array; clamped: number } {
  requireLittleEndian();
  validateExample(example);
  const keyBytes = keyToBytes(key);
  const { tokens, length, pooled, segmentA, pooledB } = example;
  const c = pooled.length;
  const total = entryBytes(length, c, pooledB !== undefined);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, ENTRY_MAGIC, true);
  view.setUint16(4, ENTRY_VERSION, true);
  view.setUint16(6, (segmentA !== undefined ? FLAG_SEGMENT_A : 0) | (pooledB !== undefined ? FLAG_POOLED_B : 0), true);
  view.setUint32(8, length, true);
  view.setUint32(12, c, true);
  view.setUint32(16, segmentA ?? 0, true);
  view.setUint32(20, 0, true);
  bytes.set(keyBytes, 24);
  let off = ENTRY_HEADER_BYTES;
  let clamped = 0;
  const fields: [string, Float32Array | undefined][] = [['tokens', tokens], ['pooled', pooled], ['pooledB', pooledB]];
  for (const [name, a] of fields) {
    if (!a) continue;
    const r = float32ToFloat16(a, new Uint16Array(bytes.buffer, off, a.length));
    if (r.firstNaN >= 0) {
      throw new RangeError(`feature cache put: ${name}[${r.firstNaN}] is NaN; the encoder produced an invalid feature, refusing to cache it`);
    }
    clamped += r.clamped;
    off += 2 * a.length;
  }
  view.setUint32(off, crc32(bytes.subarray(0, off)), true);
  return { bytes, clamped };
}

/** Decode and validate an entry read for `key`; throws CacheEntryError naming the first check that failed. */
export function decodeEntry(key: string, bytes: Uint8Array): EncodedExample {
  requireLittleEndian();
  if (bytes.length < ENTRY_HEADER_BYTES + 4) throw new CacheEntryError(`truncated: ${bytes.length} bytes, shorter than a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== ENTRY_MAGIC) throw new CacheEntryError('bad magic (not a LabelTune feature-cache entry)');
  const version = view.getUint16(4, true);
  if (version !== ENTRY_VERSION) throw new CacheEntryError(`unsupported version ${version} (this build reads ${ENTRY_VERSION})`);
  const flags = view.getUint16(6, true);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new CacheEntryError(`unknown flags 0x${flags.toString(16)}`);
  const length = view.getUint32(8, true);
  const c = view.getUint32(12, true);
  const segmentA = view.getUint32(16, true);
  if (c === 0) throw new CacheEntryError('width C is 0');
  if (view.getUint32(20, true) !== 0) throw new CacheEntryError('reserved header field is not 0');
  const hasSegment = (flags & FLAG_SEGMENT_A) !== 0;
  const hasPooledB = (flags & FLAG_POOLED_B) !== 0;
  if (!hasSegment && segmentA !== 0) throw new CacheEntryError('segmentA set without its flag');
  if (segmentA > length) throw new CacheEntryError(`segmentA ${segmentA} > length ${length}`);
  const expected = entryBytes(length, c, hasPooledB);
  if (bytes.length !== expected) {
    throw new CacheEntryError(`${bytes.length < expected ? 'truncated' : 'trailing bytes'}: ${bytes.length} bytes, header implies ${expected}`);
  }
  const crcAt = expected - 4;
  const stored = view.getUint32(crcAt, true);
  const actual = crc32(bytes.subarray(0, crcAt));
  if (stored !== actual) throw new CacheEntryError(`checksum mismatch (stored ${hex32(stored)}, computed ${hex32(actual)})`);
  const storedKey = toHex(bytes.subarray(24, 56));
  if (storedKey !== key) throw new CacheEntryError(`key mismatch: the entry was written for ${storedKey}, read as ${key}`);

  const n = length * c + c + (hasPooledB ? c : 0);
  // A Uint16Array view needs an even byte offset; buffers from fs pools may start anywhere, then copy.
  const start = bytes.byteOffset + ENTRY_HEADER_BYTES;
  const half = start % 2 === 0
    ? new Uint16Array(bytes.buffer, start, n)
    : new Uint16Array(bytes.slice(ENTRY_HEADER_BYTES, ENTRY_HEADER_BYTES + 2 * n).buffer);
  // Separate arrays (not views of one buffer), so a consumer may hand `tokens.buffer` to the GPU as is.
  const part = (from: number, count: number): Float32Array => {
    const out = new Float32Array(count);
    float16ToFloat32(half.subarray(from, from + count), out);
    return out;
  };
  const example: EncodedExample = { tokens: part(0, length * c), length, pooled: part(length * c, c) };
  if (hasSegment) example.segmentA = segmentA;
  if (hasPooledB) example.pooledB = part(length * c + c, c);
  return example;
}

function hex32(x: number): string {
  return '0x' + x.toString(16).padStart(8, '0');
}

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error('feature cache: big-endian platforms are not supported (the entry format is little-endian)');
}
