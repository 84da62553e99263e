// FeatureCache over the disk store (a temp dir) and the memory store: round trips, a dataset's second pass is all
// hits, LRU eviction that survives a re-open, and every kind of damage detected, counted, deleted and missed.
import { mkdtemp, readFile, readdir, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entryBytes } from '../../src/encoder/cache-entry';
import { cacheKey } from '../../src/encoder/cache-key';
import type { CacheStore } from '../../src/encoder/cache-store';
import { MemoryCacheStore } from '../../src/encoder/cache-store-memory';
import { NodeCacheStore } from '../../src/encoder/cache-store-node';
import { FeatureCache } from '../../src/encoder/feature-cache';
import type { EncodedExample } from '../../src/encoder/types';
import { example, expectF16Close } from '../helpers/feature-cache';
import { rng } from '../helpers/rng';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'labeltune-cache-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })));
});

const MODEL = 'f'.repeat(64);
const key = (text: string, tmax = 32): Promise<string> => cacheKey({ modelHash: MODEL, tmax, text });
const entryPath = (dir: string, k: string): string => join(dir, k.slice(0, 2), `${k}.ltfc`);

/** What the encoder does with the cache: serve hits, encode the misses (counted), store them. */
async function encodeDataset(cache: FeatureCache, texts: string[], c = 8): Promise<{ encoded: number; out: EncodedExample[] }> {
  const keys = await Promise.all(texts.map((t) => key(t)));
  const got = await cache.getMany(keys);
  let encoded = 0;
  const fresh: { key: string; example: EncodedExample }[] = [];
  const out = got.map((hit, i) => {
    if (hit) return hit;
    encoded++;
    const ex = example(1 + (texts[i].length % 7), c, 1000 + i);
    fresh.push({ key: keys[i], example: ex });
    return ex;
  });
  await cache.putMany(fresh);
  return { encoded, out };
}

describe('FeatureCache basics (disk store)', () => {
  it('round-trips a single text and a pair within float16 tolerance; misses before', async () => {
    const dir = await tempDir();
    const cache = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    const k1 = await key('a movie');
    const k2 = await cacheKey({ modelHash: MODEL, tmax: 32, text: 'a', textPair: 'b' });
    expect(await cache.get(k1)).toBeNull();
    const ex1 = example(64, 512, 1);
    const ex2 = example(10, 16, 2, true);
    await cache.put(k1, ex1);
    await cache.put(k2, ex2);
    const b1 = (await cache.get(k1))!;
    expect(b1.length).toBe(64);
    expectF16Close(b1.tokens, ex1.tokens, 'tokens');
    expectF16Close(b1.pooled, ex1.pooled, 'pooled');
    const b2 = (await cache.get(k2))!;
    expect([b2.length, b2.segmentA]).toEqual([10, 5]);
    expectF16Close(b2.pooledB!, ex2.pooledB!, 'pooledB');
    const s = cache.stats();
    expect([s.hits, s.misses, s.writes, s.entries, s.corrupt]).toEqual([2, 1, 2, 2, 0]);
    expect(s.bytes).toBe(entryBytes(64, 512, false) + entryBytes(10, 16, true));
    expect(s.budgetBytes).toBe(2 * 1024 ** 3);
    await cache.close();
  });

  it('encodes a dataset once: the second pass (a new cache on the same dir) is all hits, 0 encoded', async () => {
    const dir = await tempDir();
    const texts = Array.from({ length: 300 }, (_, i) => `text number ${i} ${'x'.repeat(i % 13)}`);
    const first = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    const run1 = await encodeDataset(first, texts);
    expect(run1.encoded).toBe(300);
    expect(first.stats().misses).toBe(300);
    await first.close();

    const second = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    const run2 = await encodeDataset(second, texts);
    expect(run2.encoded).toBe(0);
    expect(second.stats()).toMatchObject({ hits: 300, misses: 0, corrupt: 0, entries: 300, indexRebuilds: 0 });
    for (let i = 0; i < texts.length; i += 37) expectF16Close(run2.out[i].tokens, run1.out[i].tokens, `text ${i}`);
    // Same process, same cache: also all hits.
    expect((await encodeDataset(second, texts)).encoded).toBe(0);
    await second.close();
  });

  it('keeps values beyond float16 range as +-65504 and counts them; refuses NaN and bad keys', async () => {
    const cache = await FeatureCache.open({ store: new MemoryCacheStore() });
    const k = await key('big');
    await cache.put(k, { tokens: new Float32Array([1e6, -1e6, 12.5, -20]), length: 2, pooled: new Float32Array([0.1, 1e5]) });
    const back = (await cache.get(k))!;
    expect(Array.from(back.tokens)).toEqual([65504, -65504, 12.5, -20]);
    expect(back.pooled[1]).toBe(65504);
    expect(cache.stats().clampedValues).toBe(3);
    await expect(cache.put(k, { tokens: new Float32Array([NaN]), length: 1, pooled: new Float32Array(1) })).rejects.toThrow(/tokens\[0\] is NaN/);
    await expect(cache.get('not-a-key')).rejects.toThrow(/64 lowercase hex digits from cacheKey/);
    await expect(cache.put(k.toUpperCase(), back)).rejects.toThrow(/64 lowercase hex digits/);
    expect(cache.stats().writes).toBe(1);
  });

  it('does not store an entry larger than the whole budget, and clear() removes everything it wrote', async () => {
    const dir = await tempDir();
    const store = new NodeCacheStore({ dir });
    const cache = await FeatureCache.open({ store, budgetBytes: 5000 });
    await cache.put(await key('small'), example(4, 8, 1));
    await cache.put(await key('huge'), example(64, 512, 2));
    expect(cache.stats()).toMatchObject({ tooLarge: 1, entries: 1, evictions: 0 });
    await writeFile(join(dir, 'notes.txt'), 'not ours');
    await cache.flush();
    await cache.clear();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect((await store.list()).map((e) => e.name)).toEqual(['notes.txt']);
    expect(await cache.get(await key('small'))).toBeNull();
  });
});

describe('FeatureCache index persistence and store errors', () => {
  it('writes the index by itself flushDelayMs after a change', async () => {
    const store = new MemoryCacheStore();
    const cache = await FeatureCache.open({ store, flushDelayMs: 20 });
    await cache.put(await key('x'), example(2, 4, 1));
    // Poll (a loaded machine may run the timer late); nothing else ever writes the index here.
    for (let i = 0; i < 250 && !(await store.read('index.ltfi')); i++) await new Promise((r) => setTimeout(r, 20));
    expect((await store.read('index.ltfi'))!.length).toBe(12 + 44 + 4); // one record
  });

  it('re-opens from the index alone (no per-entry stat) when it covers every entry, else from the full listing', async () => {
    const inner = new MemoryCacheStore();
    let lists = 0;
    const store: CacheStore = { kind: inner.kind, location: inner.location, defaultBudgetBytes: inner.defaultBudgetBytes,
      read: (n) => inner.read(n), write: (n, b) => inner.write(n, b), delete: (n) => inner.delete(n), names: () => inner.names(),
      list: () => (lists++, inner.list()) };
    const a = await FeatureCache.open({ store });
    const [k1, k2, k3] = await Promise.all(['1', '2', '3'].map((t) => key(t)));
    await a.put(k1, example(3, 8, 1));
    await a.put(k2, example(5, 8, 2));
    await a.close();
    lists = 0;
    const b = await FeatureCache.open({ store });
    expect(lists).toBe(0);
    expect(b.stats()).toMatchObject({ entries: 2, bytes: entryBytes(3, 8, false) + entryBytes(5, 8, false), indexRebuilds: 0 });
    expect(await b.keys()).toEqual([k1, k2]);
    // Another process adds k3 (later) and never writes its index: the next open sees a file the index lacks.
    await new Promise((r) => setTimeout(r, 10));
    await inner.write(`${k3}.ltfc`, (await inner.read(`${k2}.ltfc`))!);
    const c = await FeatureCache.open({ store });
    expect(lists).toBe(1);
    expect(c.stats()).toMatchObject({ entries: 3, indexRebuilds: 0 });
    expect((await c.keys()).slice(0, 2)).toEqual([k1, k2]); // recency kept from the index
    expect(await c.get(k3)).toBeNull(); // (a copy of k2's entry: caught by the key check)
    expect(c.stats().corrupt).toBe(1);
    await c.close();
  });

  it('a store error during open is reported, and the next call tries again', async () => {
    const inner = new MemoryCacheStore();
    let failures = 1;
    const store = { ...inner, kind: inner.kind, location: inner.location, defaultBudgetBytes: inner.defaultBudgetBytes,
      read: inner.read.bind(inner), write: inner.write.bind(inner), delete: inner.delete.bind(inner), names: inner.names.bind(inner),
      list: async () => {
        if (failures-- > 0) throw new Error('EACCES: permission denied');
        return inner.list();
      } };
    const cache = new FeatureCache({ store });
    const k = await key('y');
    await expect(cache.get(k)).rejects.toThrow(/EACCES/);
    expect(await cache.get(k)).toBeNull();
  });
});

describe('FeatureCache LRU eviction', () => {
  it('evicts the least recently used first, and the order survives a re-open', async () => {
    const dir = await tempDir();
    const one = entryBytes(4, 8, false);
    const open = (budget = 3.5 * one): Promise<FeatureCache> =>
      FeatureCache.open({ store: new NodeCacheStore({ dir }), budgetBytes: budget });
    const [A, B, C, D, E, F] = await Promise.all(['A', 'B', 'C', 'D', 'E', 'F'].map((t) => key(t)));
    const cache = await open();
    for (const [i, k] of [A, B, C].entries()) await cache.put(k, example(4, 8, i));
    expect(await cache.get(A)).not.toBeNull(); // A is now the most recent; B the least
    await cache.put(D, example(4, 8, 3));
    expect(cache.stats()).toMatchObject({ evictions: 1, entries: 3, bytes: 3 * one });
    expect(await cache.keys()).toEqual([C, A, D]);
    await expect(readFile(entryPath(dir, B))).rejects.toThrow(/ENOENT/);
    await cache.close();

    // Re-open: same order from the persisted index; the next eviction takes C.
    const again = await open();
    expect(await again.keys()).toEqual([C, A, D]);
    expect(again.stats()).toMatchObject({ entries: 3, bytes: 3 * one, indexRebuilds: 0 });
    await again.put(E, example(4, 8, 4));
    expect(await again.keys()).toEqual([A, D, E]);
    expect(await again.get(B)).toBeNull();
    expect(await again.get(C)).toBeNull();
    expect(await again.get(A)).not.toBeNull();
    await again.close();

    // A smaller budget on open evicts right away, oldest first.
    const small = await open(2 * one);
    expect(await small.keys()).toEqual([E, A]);
    expect(small.stats()).toMatchObject({ evictions: 1, entries: 2 });
    await small.put(F, example(4, 8, 5));
    expect(await small.keys()).toEqual([A, F]);
    await small.close();
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ltfc'));
    expect(files.length).toBe(2);
  });

  for (const slow of [false, true]) {
    it(`keeps the index consistent with the store under random concurrent puts, gets and deletes${slow ? ' (store with random latency)' : ''}`, async () => {
      const memory = new MemoryCacheStore();
      const store = slow ? withLatency(memory, 17) : memory;
      const one = entryBytes(3, 4, false);
      const cache = await FeatureCache.open({ store, budgetBytes: 10 * one + 5, flushDelayMs: 0 });
      const keys = await Promise.all(Array.from({ length: 30 }, (_, i) => key(`k${i}`)));
      const r = rng(5);
      const ops: Promise<unknown>[] = [];
      for (let step = 0; step < 400; step++) {
        const k = keys[Math.floor(r() * keys.length)];
        const x = r();
        if (x < 0.5) ops.push(cache.put(k, example(3, 4, step)));
        else if (x < 0.9) ops.push(cache.get(k));
        else ops.push(cache.delete(k));
        if (step % 40 === 39) await Promise.all(ops.splice(0));
      }
      await Promise.all(ops);
      await cache.close();
      const listed = (await memory.list()).filter((e) => e.name.endsWith('.ltfc'));
      const s = cache.stats();
      expect(s.entries).toBe(listed.length);
      expect(s.bytes).toBe(listed.reduce((a, e) => a + e.bytes, 0));
      expect(s.bytes).toBeLessThanOrEqual(10 * one + 5);
      expect(new Set(await cache.keys())).toEqual(new Set(listed.map((e) => e.name.slice(0, 64))));
      expect(s.evictions).toBeGreaterThan(0);
      expect(s.corrupt).toBe(0);
    });
  }
});

/** A store whose every operation takes a random 0-2 ms, so concurrent operations really interleave. */
function withLatency(inner: CacheStore, seed: number): CacheStore {
  const r = rng(seed);
  const wait = (): Promise<void> => new Promise((res) => setTimeout(res, Math.floor(r() * 3)));
  return {
    kind: inner.kind,
    location: inner.location,
    defaultBudgetBytes: inner.defaultBudgetBytes,
    read: async (n) => (await wait(), inner.read(n)),
    write: async (n, b) => (await wait(), inner.write(n, b)),
    delete: async (n) => (await wait(), inner.delete(n)),
    list: async () => (await wait(), inner.list()),
    names: async () => (await wait(), inner.names()),
  };
}

describe('FeatureCache never trusts a damaged entry', () => {
  async function withThree(): Promise<{ dir: string; cache: FeatureCache; keys: string[]; reasons: string[] }> {
    const dir = await tempDir();
    const reasons: string[] = [];
    const cache = await FeatureCache.open({ store: new NodeCacheStore({ dir }), onCorrupt: (_k, r) => reasons.push(r) });
    const keys = await Promise.all(['one', 'two', 'three'].map((t) => key(t)));
    for (const [i, k] of keys.entries()) await cache.put(k, example(16, 32, 10 + i));
    return { dir, cache, keys, reasons };
  }

  async function expectRejected(cache: FeatureCache, dir: string, k: string, reasons: string[], reason: RegExp): Promise<void> {
    const before = cache.stats();
    expect(await cache.get(k)).toBeNull();
    const after = cache.stats();
    expect(after.corrupt - before.corrupt).toBe(1);
    expect(after.misses - before.misses).toBe(1);
    expect(after.entries).toBe(before.entries - 1);
    expect(reasons.at(-1)).toMatch(reason);
    await expect(readFile(entryPath(dir, k))).rejects.toThrow(/ENOENT/); // deleted
    expect(await cache.get(k)).toBeNull(); // now a plain miss
    expect(cache.stats().corrupt).toBe(after.corrupt);
    await cache.put(k, example(16, 32, 99)); // re-encoded and stored again
    expect(await cache.get(k)).not.toBeNull();
  }

  it('a flipped payload byte', async () => {
    const { dir, cache, keys, reasons } = await withThree();
    const p = entryPath(dir, keys[0]);
    const b = await readFile(p);
    b[56 + 300] ^= 0x01;
    await writeFile(p, b);
    await expectRejected(cache, dir, keys[0], reasons, /checksum mismatch/);
    expect(await cache.get(keys[1])).not.toBeNull();
  });

  it('a truncated entry (and an empty file)', async () => {
    const { dir, cache, keys, reasons } = await withThree();
    await truncate(entryPath(dir, keys[1]), 500);
    await expectRejected(cache, dir, keys[1], reasons, /^truncated/);
    await truncate(entryPath(dir, keys[2]), 0);
    await expectRejected(cache, dir, keys[2], reasons, /^truncated/);
  });

  it("another key's entry under this key's name", async () => {
    const { dir, cache, keys, reasons } = await withThree();
    await writeFile(entryPath(dir, keys[2]), await readFile(entryPath(dir, keys[0])));
    await expectRejected(cache, dir, keys[2], reasons, /key mismatch/);
    expect(await cache.get(keys[0])).not.toBeNull();
  });

  it('an entry deleted behind its back reads as a plain miss and leaves the index', async () => {
    const { dir, cache, keys } = await withThree();
    await rm(entryPath(dir, keys[0]));
    expect(await cache.get(keys[0])).toBeNull();
    expect(cache.stats()).toMatchObject({ corrupt: 0, entries: 2 });
  });

  it('a garbage index file: detected, counted, replaced; entries still served, ordered by file time', async () => {
    const { dir, cache, keys } = await withThree();
    await cache.close();
    // File times decide the rebuilt order: make "three" the oldest.
    const t0 = Date.now() / 1000;
    for (const [i, k] of [keys[2], keys[0], keys[1]].entries()) await utimes(entryPath(dir, k), t0 - 100 + i, t0 - 100 + i);
    for (const garbage of [Buffer.from('{"not": "an index"}'), Buffer.alloc(0), Buffer.alloc(1000, 0x5a)]) {
      await writeFile(join(dir, 'index.ltfi'), garbage);
      const reopened = await FeatureCache.open({ store: new NodeCacheStore({ dir }), flushDelayMs: 0 });
      expect(reopened.stats()).toMatchObject({ indexRebuilds: 1, entries: 3, corrupt: 0 });
      expect(await reopened.keys()).toEqual([keys[2], keys[0], keys[1]]);
      await reopened.close();
      expect((await readFile(join(dir, 'index.ltfi'))).equals(garbage)).toBe(false); // rewritten
    }
    const last = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    expect(last.stats().indexRebuilds).toBe(0);
    for (const k of keys) expect(await last.get(k)).not.toBeNull();
    await last.close();
  });

  it('a missing index with entries present is rebuilt from the files', async () => {
    const { dir, cache, keys } = await withThree();
    await cache.close();
    await rm(join(dir, 'index.ltfi'));
    const reopened = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    expect(reopened.stats()).toMatchObject({ indexRebuilds: 1, entries: 3 });
    expect(new Set(await reopened.keys())).toEqual(new Set(keys));
    await reopened.close();
  });
});

describe('FeatureCache concurrency', () => {
  it('concurrent puts of one key leave one whole entry and consistent accounting', async () => {
    const dir = await tempDir();
    const cache = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    const k = await key('same');
    const variants = Array.from({ length: 16 }, (_, i) => example(8 + i, 16, 50 + i));
    await Promise.all(variants.map((v) => cache.put(k, v)));
    const got = (await cache.get(k))!;
    const match = variants.find((v) => v.length === got.length)!;
    expectF16Close(got.tokens, match.tokens, 'tokens');
    expect(cache.stats()).toMatchObject({ entries: 1, writes: 16, corrupt: 0, bytes: entryBytes(got.length, 16, false) });
    expect(await readdir(join(dir, k.slice(0, 2)))).toEqual([`${k}.ltfc`]); // no temp files left
    await cache.close();
  });

  it('two caches (e.g. two processes) putting the same keys into one dir at once stay readable', async () => {
    const dir = await tempDir();
    const a = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    const b = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    const keys = await Promise.all(Array.from({ length: 40 }, (_, i) => key(`shared ${i}`)));
    await Promise.all(keys.flatMap((k, i) => [a.put(k, example(5, 8, i)), b.put(k, example(5, 8, i)), a.get(k), b.get(k)]));
    for (const k of keys) expect(await b.get(k)).not.toBeNull();
    expect(a.stats().corrupt + b.stats().corrupt).toBe(0);
    await Promise.all([a.close(), b.close()]);
    const c = await FeatureCache.open({ store: new NodeCacheStore({ dir }) });
    expect(c.stats().entries).toBe(40);
    await c.close();
  });
});
