// The feature cache: one float16 entry per cacheKey() (encoder identity, Tmax, text or pair) in a CacheStore (disk in
// Node, OPFS in the browser, memory in tests), under a byte budget with least-recently-used eviction.
// Design decision: nothing read back is trusted — every entry is fully validated (cache-entry.ts) and any failure
// counts as `corrupt`, deletes the entry and reads as a miss, so the encoder simply encodes that text again.
// Operations on one key are serialised (a per-key lock) so concurrent puts/gets/evictions of the same key cannot
// interleave; different keys proceed in parallel. The LRU index is written lazily (flushDelayMs after a change,
// and on flush()/close()); losing it costs only LRU order (see cache-index.ts).
// The budget is per process: two processes sharing one directory (two `labeltune` runs at once) each count only
// what they wrote themselves, so together they can exceed it until the next open(), which lists the store, sees
// the real total and evicts down to the budget. Known and accepted (a lock across processes is not worth it).
// Values come back rounded to float16 (round-to-nearest-even): relative error <= 2^-11 (~4.9e-4) for
// |x| >= 6.1e-5, absolute <= 3e-8 below; |x| > 65504 is stored as +-65504 (counted in stats().clampedValues).
//
// Usage (Node):   const cache = await FeatureCache.open({ store: new NodeCacheStore() });
//        (web):   const cache = await FeatureCache.open({ store: new OpfsCacheStore() });
//   const key = await cacheKey({ modelHash: info.hash, tmax, text });
//   (await cache.get(key)) ?? (await cache.put(key, encoded), encoded);  ... await cache.close();

import { isCacheKey } from './cache-key';
import { CacheEntryError, encodeEntry, decodeEntry } from './cache-entry';
import { IndexFormatError, LruIndex, type IndexRecord } from './cache-index';
import type { CacheStore } from './cache-store';
import type { EncodedExample, FeatureStore } from './types';

export interface FeatureCacheOptions {
  store: CacheStore;
  /** Total bytes of entries to keep; least recently used entries are evicted beyond it. Default: the store's. */
  budgetBytes?: number;
  /** Write the LRU index this long after a change (coalescing many changes); 0 writes after every change. */
  flushDelayMs?: number;
  /** Called once for every entry rejected as corrupt (after it was deleted), with the reason. */
  onCorrupt?: (key: string, reason: string) => void;
}

export interface FeatureCacheStats {
  /** get() calls that returned features. */
  hits: number;
  /** get() calls that returned null (absent, or corrupt). */
  misses: number;
  /** Entries found corrupt (bad magic/version/size/checksum/key), deleted and reported as misses. */
  corrupt: number;
  /** Entries removed to stay within the budget. */
  evictions: number;
  /** Bytes of the entries now in the cache. */
  bytes: number;
  /** Entries now in the cache. */
  entries: number;
  /** Entries written by put(). */
  writes: number;
  /** put() calls not stored because one entry alone exceeds the budget. */
  tooLarge: number;
  /** Values beyond float16's range (|x| > 65504, or infinite) stored as +-65504. */
  clampedValues: number;
  /** Times the LRU index was missing or unreadable and rebuilt from the entries (file times as recency). */
  indexRebuilds: number;
  /** The byte budget in force. */
  budgetBytes: number;
}

/** Blob names: entries are "<64 hex key>.ltfc"; the LRU index is "index.ltfi". */
const ENTRY_SUFFIX = '.ltfc';
const INDEX_NAME = 'index.ltfi';
const ENTRY_NAME = /^([0-9a-f]{64})\.ltfc$/;

export class FeatureCache implements FeatureStore {
  readonly store: CacheStore;
  readonly budgetBytes: number;
  private readonly flushDelayMs: number;
  private readonly onCorrupt?: (key: string, reason: string) => void;
  private index = new LruIndex();
  private ready: Promise<void> | null = null;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly counts = { hits: 0, misses: 0, corrupt: 0, evictions: 0, writes: 0, tooLarge: 0, clampedValues: 0, indexRebuilds: 0 };
  private dirty = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private indexChain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: FeatureCacheOptions) {
    if (!options?.store) throw new TypeError('FeatureCache: options.store is required (NodeCacheStore, OpfsCacheStore or MemoryCacheStore)');
    this.store = options.store;
    const budget = options.budgetBytes ?? options.store.defaultBudgetBytes;
    if (!Number.isFinite(budget) || budget < 0) {
      throw new RangeError(`FeatureCache: budgetBytes must be a finite number >= 0, got ${budget}`);
    }
    this.budgetBytes = budget;
    this.flushDelayMs = options.flushDelayMs ?? 1000;
    this.onCorrupt = options.onCorrupt;
  }

  /** Construct and load the index (scans the store once). */
  static async open(options: FeatureCacheOptions): Promise<FeatureCache> {
    const cache = new FeatureCache(options);
    await cache.init();
    return cache;
  }

  /** Load the index: join the store's listing with the persisted recency; evict if over budget. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      const [names, indexBytes] = await Promise.all([this.store.names(), this.store.read(INDEX_NAME)]);
      const keys = entryKeys(names);
      let persisted: Map<string, IndexRecord> | null = null;
      let rejected = false;
      if (indexBytes) {
        try {
          persisted = LruIndex.parse(indexBytes);
        } catch (e) {
          if (!(e instanceof IndexFormatError)) throw e;
          rejected = true;
          await this.indexOp(() => this.store.delete(INDEX_NAME));
        }
      }
      if (rejected || (!indexBytes && keys.length > 0)) this.counts.indexRebuilds++;
      if (persisted && keys.every((k) => persisted!.has(k))) {
        // Fast path: the index knows every entry (sizes included); records without a file are dropped.
        this.index = LruIndex.fromRecords(keys, persisted);
        this.dirty = persisted.size !== keys.length;
      } else {
        // Rebuild from the full listing (sizes, file times), keeping whatever recency the index has.
        const entries = (await this.store.list()).flatMap((e) => {
          const m = ENTRY_NAME.exec(e.name);
          return m ? [{ key: m[1], bytes: e.bytes, modified: e.modified }] : [];
        });
        this.index = LruIndex.rebuild(entries, persisted);
        this.dirty = true;
      }
      await this.evict();
      this.scheduleFlush();
    })().catch((e: unknown) => {
      this.ready = null; // a store error (permissions, no OPFS) must not stick: the next call tries again
      throw e;
    });
    return this.ready;
  }

  /** The features stored under `key`, or null (absent, or corrupt — then deleted and counted). */
  async get(key: string): Promise<EncodedExample | null> {
    checkKey(key);
    await this.init();
    return this.withKey(key, async () => {
      const name = key + ENTRY_SUFFIX;
      const bytes = await this.store.read(name);
      if (!bytes) {
        this.counts.misses++;
        if (this.index.remove(key)) this.markDirty(); // deleted behind our back
        return null;
      }
      let example: EncodedExample;
      try {
        example = decodeEntry(key, bytes);
      } catch (e) {
        if (!(e instanceof CacheEntryError)) throw e;
        this.counts.corrupt++;
        this.counts.misses++;
        await this.store.delete(name);
        this.index.remove(key);
        this.markDirty();
        this.onCorrupt?.(key, e.reason);
        return null;
      }
      this.counts.hits++;
      if (!this.index.touch(key)) this.index.set(key, bytes.length); // written by another process since open
      this.markDirty();
      return example;
    }).then(async (r) => {
      if (r && this.index.totalBytes > this.budgetBytes) await this.evict(key);
      return r;
    });
  }

  /**
   * Store `example` under `key` (replacing any entry). Throws on a malformed key or example (shape mismatch, NaN).
   * An entry larger than the whole budget is not stored (counted in stats().tooLarge).
   */
  async put(key: string, example: EncodedExample): Promise<void> {
    checkKey(key);
    const { bytes, clamped } = encodeEntry(key, example);
    await this.init();
    if (bytes.length > this.budgetBytes) {
      this.counts.tooLarge++;
      return;
    }
    await this.withKey(key, async () => {
      await this.store.write(key + ENTRY_SUFFIX, bytes);
      this.index.set(key, bytes.length);
      this.counts.writes++;
      this.counts.clampedValues += clamped;
      this.markDirty();
    });
    await this.evict(key);
  }

  /** True when an entry for `key` is indexed (no read, no validation: get() may still find it corrupt). */
  async has(key: string): Promise<boolean> {
    checkKey(key);
    await this.init();
    return this.index.has(key);
  }

  /** Remove the entry for `key` if there is one. */
  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.init();
    await this.withKey(key, async () => {
      await this.store.delete(key + ENTRY_SUFFIX);
      if (this.index.remove(key)) this.markDirty();
    });
  }

  /** get() for many keys, `concurrency` reads in flight; results in the order of `keys`. */
  async getMany(keys: readonly string[], concurrency = 8): Promise<(EncodedExample | null)[]> {
    const out = new Array<EncodedExample | null>(keys.length).fill(null);
    await pool(keys.length, concurrency, async (i) => {
      out[i] = await this.get(keys[i]);
    });
    return out;
  }

  /** put() for many entries, `concurrency` writes in flight. */
  async putMany(items: readonly { key: string; example: EncodedExample }[], concurrency = 8): Promise<void> {
    await pool(items.length, concurrency, (i) => this.put(items[i].key, items[i].example));
  }

  stats(): FeatureCacheStats {
    return { ...this.counts, bytes: this.index.totalBytes, entries: this.index.size, budgetBytes: this.budgetBytes };
  }

  /** Keys currently cached, least recently used first. */
  async keys(): Promise<string[]> {
    await this.init();
    return this.index.keys();
  }

  /** Delete every entry and the index (everything this cache wrote in its store; foreign blobs are left). */
  async clear(): Promise<void> {
    await this.init();
    const all = [...new Set([...this.index.keys(), ...entryKeys(await this.store.names())])];
    await pool(all.length, 8, async (i) => {
      const key = all[i];
      await this.withKey(key, async () => {
        await this.store.delete(key + ENTRY_SUFFIX);
        this.index.remove(key);
      });
    });
    await this.indexOp(async () => {
      await this.store.delete(INDEX_NAME);
      this.dirty = false;
    });
  }

  /** Write the LRU index now if it changed. */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    return this.indexOp(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await this.store.write(INDEX_NAME, this.index.serialize());
      } catch (e) {
        this.dirty = true;
        throw e;
      }
    });
  }

  /** Run operations on the index blob one at a time, so the later snapshot lands last and no write meets a delete. */
  private indexOp(fn: () => Promise<void>): Promise<void> {
    const run = this.indexChain.then(fn, fn);
    this.indexChain = run.catch(() => undefined);
    return run;
  }

  /** Flush the index and stop the flush timer; the cache must not be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ready) await this.ready;
    await Promise.all([...this.locks.values()].map((p) => p.catch(() => undefined)));
    await this.flush();
  }

  /** Evict least recently used entries (never `keep`) until within budget, deleting their blobs. */
  private async evict(keep?: string): Promise<void> {
    const victims = this.index.evictTo(this.budgetBytes, keep);
    if (victims.length === 0) return;
    this.counts.evictions += victims.length;
    this.markDirty();
    await Promise.all(victims.map((key) =>
      this.withKey(key, async () => {
        // A put of the same key that finished after the eviction decision re-indexed it: keep its fresh blob.
        if (!this.index.has(key)) await this.store.delete(key + ENTRY_SUFFIX);
      }),
    ));
  }

  private markDirty(): void {
    this.dirty = true;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.dirty || this.flushTimer || this.closed) return;
    if (this.flushDelayMs <= 0) {
      void this.flush().catch(() => undefined); // a failed index write is retried at the next change or close()
      return;
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush().catch(() => undefined);
    }, this.flushDelayMs);
    (this.flushTimer as { unref?: () => void }).unref?.(); // never keep a Node process alive for it
  }

  /** Run `fn` after every earlier operation on `key` has settled. */
  private withKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }
}

/** The keys of the entry blobs among `names`. */
function entryKeys(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const m = ENTRY_NAME.exec(n);
    if (m) out.push(m[1]);
  }
  return out;
}

function checkKey(key: string): void {
  if (!isCacheKey(key)) {
    throw new TypeError(`FeatureCache: key must be 64 lowercase hex digits from cacheKey(), got ${JSON.stringify(key)}`);
  }
}

/** Run task(0..n-1) with at most `concurrency` in flight; rejects with the first error. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, worker));
}
