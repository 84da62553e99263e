// The feature cache's least-recently-used index: key -> {bytes, lastUsed}, oldest first, and its file format.
// Design decision: the store's directory listing is the truth about which entries exist; the persisted index adds
// recency (lastUsed) and sizes, so opening a cache needs no per-file stat when the index covers every entry.
// When it does not (index lost, garbage, or another process wrote entries since), the full listing with sizes
// and file times is joined with whatever recency the index has: an entry missing from the index gets its file's
// modification time, a record without a file is dropped. A lost or corrupt index costs LRU precision, never
// correctness (a size read from the index only steers eviction; every entry is validated when read).
//
// Index file (little-endian): magic "LTFI", u16 version = 1, u16 reserved = 0, u32 count, then count records of
// 32 raw key bytes + f64 lastUsed (ms since the epoch) + u32 bytes, then a CRC-32 of everything before it.

import { keyToBytes, toHex } from './cache-key';
import { crc32 } from './crc32';

export interface IndexRecord {
  bytes: number;
  /** ms since the epoch, strictly increasing within one process (see LruIndex.now). */
  lastUsed: number;
}

const INDEX_MAGIC = 0x4946544c; // "LTFI"
const INDEX_VERSION = 1;
const RECORD_BYTES = 44;

export class IndexFormatError extends Error {
  constructor(reason: string) {
    super(`feature cache index rejected: ${reason}`);
    this.name = 'IndexFormatError';
  }
}

export class LruIndex {
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly records = new Map<string, IndexRecord>();
  private clock = 0;
  totalBytes = 0;

  get size(): number {
    return this.records.size;
  }

  has(key: string): boolean {
    return this.records.has(key);
  }

  get(key: string): IndexRecord | undefined {
    return this.records.get(key);
  }

  /** A timestamp later than every one handed out or loaded so far (Date.now(), bumped on ties). */
  now(): number {
    this.clock = Math.max(Date.now(), this.clock + 1);
    return this.clock;
  }

  /** Add or replace `key` as the most recently used entry. `lastUsed` defaults to now(). */
  set(key: string, bytes: number, lastUsed = this.now()): void {
    this.remove(key);
    this.records.set(key, { bytes, lastUsed });
    this.totalBytes += bytes;
    if (lastUsed > this.clock) this.clock = lastUsed;
  }

  /** Mark `key` as just used; false when it is not indexed. */
  touch(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return false;
    this.records.delete(key);
    r.lastUsed = this.now();
    this.records.set(key, r);
    return true;
  }

  remove(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return false;
    this.records.delete(key);
    this.totalBytes -= r.bytes;
    return true;
  }

  /** Keys, least recently used first. */
  keys(): string[] {
    return [...this.records.keys()];
  }

  /**
   * Remove least-recently-used records until the total is within `budget`, never removing `keep`; returns the
   * removed keys (the caller deletes their blobs).
   */
  evictTo(budget: number, keep?: string): string[] {
    const out: string[] = [];
    for (const [key, r] of this.records) {
      if (this.totalBytes <= budget) break;
      if (key === keep) continue;
      this.records.delete(key);
      this.totalBytes -= r.bytes;
      out.push(key);
    }
    return out;
  }

  clear(): void {
    this.records.clear();
    this.totalBytes = 0;
  }

  /** The index file: keys in recency order with their lastUsed. */
  serialize(): Uint8Array {
    const n = this.records.size;
    const bytes = new Uint8Array(12 + n * RECORD_BYTES + 4);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, INDEX_MAGIC, true);
    view.setUint16(4, INDEX_VERSION, true);
    view.setUint16(6, 0, true);
    view.setUint32(8, n, true);
    let p = 12;
    for (const [key, r] of this.records) {
      bytes.set(keyToBytes(key), p);
      view.setFloat64(p + 32, r.lastUsed, true);
      view.setUint32(p + 40, r.bytes, true);
      p += RECORD_BYTES;
    }
    view.setUint32(p, crc32(bytes.subarray(0, p)), true);
    return bytes;
  }

  /** key -> record from an index file; throws IndexFormatError on anything malformed. */
  static parse(bytes: Uint8Array): Map<string, IndexRecord> {
    if (bytes.length < 16) throw new IndexFormatError(`truncated: ${bytes.length} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== INDEX_MAGIC) throw new IndexFormatError('bad magic');
    const version = view.getUint16(4, true);
    if (version !== INDEX_VERSION) throw new IndexFormatError(`unsupported version ${version}`);
    if (view.getUint16(6, true) !== 0) throw new IndexFormatError('reserved field is not 0');
    const n = view.getUint32(8, true);
    const expected = 12 + n * RECORD_BYTES + 4;
    if (bytes.length !== expected) throw new IndexFormatError(`${bytes.length} bytes, header implies ${expected}`);
    if (view.getUint32(expected - 4, true) !== crc32(bytes.subarray(0, expected - 4))) {
      throw new IndexFormatError('checksum mismatch');
    }
    const out = new Map<string, IndexRecord>();
    for (let i = 0, p = 12; i < n; i++, p += RECORD_BYTES) {
      const lastUsed = view.getFloat64(p + 32, true);
      if (!Number.isFinite(lastUsed) || lastUsed < 0) throw new IndexFormatError(`record ${i}: lastUsed ${lastUsed}`);
      out.set(toHex(bytes.subarray(p, p + 32)), { lastUsed, bytes: view.getUint32(p + 40, true) });
    }
    return out;
  }

  /** The index of `keys` (entries known to exist) from persisted records, which must cover every one of them. */
  static fromRecords(keys: readonly string[], persisted: Map<string, IndexRecord>): LruIndex {
    return LruIndex.rebuild(keys.map((key) => {
      const r = persisted.get(key);
      if (!r) throw new Error(`LruIndex.fromRecords: no record for ${key}`);
      return { key, bytes: r.bytes, modified: r.lastUsed };
    }), null);
  }

  /**
   * Join a store listing (existing entries with sizes and modification times) with persisted recency.
   * Entries absent from `persisted` take their modification time.
   */
  static rebuild(entries: { key: string; bytes: number; modified: number }[], persisted: Map<string, IndexRecord> | null): LruIndex {
    const rows = entries.map((e) => ({ key: e.key, bytes: e.bytes, lastUsed: persisted?.get(e.key)?.lastUsed ?? e.modified }));
    rows.sort((a, b) => a.lastUsed - b.lastUsed || (a.key < b.key ? -1 : 1));
    const index = new LruIndex();
    for (const r of rows) index.set(r.key, r.bytes, r.lastUsed);
    return index;
  }
}
