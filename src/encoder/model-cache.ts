// Where downloaded model files are kept so a second load does not touch the network: the browser's Cache
// Storage (cache "labeltune-models-v1", keyed by URL) here, a disk directory in Node (model-cache-node.ts).
// Design decision: the cache stores raw bytes by URL and nothing else; a zero-byte entry is a *negative* entry
// ("this URL answered 404"), so an optional file that does not exist (config.json, or onnx/model.onnx when only
// the quantized export exists) costs no request on a second load. Callers validate what they read back.

export interface ModelCache {
  /** Human-readable location for messages ("Cache Storage labeltune-models-v1", a directory). */
  readonly where: string;
  /** The stored bytes, an empty array for a negative entry, or null when the URL is not cached. */
  get(url: string): Promise<Uint8Array | null>;
  /** Store bytes (empty = negative entry). Must be atomic: a reader never sees a partial file. */
  put(url: string, bytes: Uint8Array): Promise<void>;
  delete(url: string): Promise<void>;
}

export const BROWSER_CACHE_NAME = 'labeltune-models-v1';

/**
 * The browser's Cache Storage (works in windows and workers). Null where it does not exist: on a page served
 * over plain http from a host other than localhost Cache Storage is unavailable, and models are not kept.
 */
export function browserModelCache(name = BROWSER_CACHE_NAME): ModelCache | null {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!storage) return null;
  let opened: Promise<Cache> | null = null;
  const open = () => (opened ??= storage.open(name));
  return {
    where: `Cache Storage "${name}"`,
    async get(url) {
      const res = await (await open()).match(url);
      return res ? new Uint8Array(await res.arrayBuffer()) : null;
    },
    async put(url, bytes) {
      const body = new Uint8Array(bytes); // a plain ArrayBuffer copy (the Response takes ownership of nothing)
      await (await open()).put(url, new Response(body, { headers: { 'content-type': 'application/octet-stream' } }));
    },
    async delete(url) {
      await (await open()).delete(url);
    },
  };
}

/** An in-memory cache (tests, and a fallback when no persistent store exists). */
export function memoryModelCache(): ModelCache {
  const map = new Map<string, Uint8Array>();
  return {
    where: 'memory',
    async get(url) {
      return map.get(url) ?? null;
    },
    async put(url, bytes) {
      map.set(url, bytes);
    },
    async delete(url) {
      map.delete(url);
    },
  };
}
