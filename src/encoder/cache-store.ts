// The storage interface under the feature cache: a flat namespace of named byte blobs. Three implementations
// share it exactly: cache-store-node.ts (disk), cache-store-opfs.ts (browser Origin Private File System) and
// cache-store-memory.ts (tests, fallback).
// Design decision: a store knows nothing about entries, keys or budgets; it only promises that a completed
// write() is seen whole or not at all by read() (temp file + rename on disk, the swap file behind
// createWritable() in OPFS). Integrity of the content is the cache's job (cache-entry.ts checks everything).

export interface CacheStoreEntry {
  name: string;
  /** Size in bytes. */
  bytes: number;
  /** Last modification time, ms since the epoch (used to order entries when the LRU index must be rebuilt). */
  modified: number;
}

export interface CacheStore {
  /** Which implementation this is. */
  readonly kind: 'node' | 'opfs' | 'memory';
  /** Where the bytes live, for messages and reports (a directory path, "OPFS:/labeltune/features", "memory"). */
  readonly location: string;
  /** The byte budget a FeatureCache uses on this store when none is given. */
  readonly defaultBudgetBytes: number;
  /** The blob's bytes, or null when there is no blob of that name. */
  read(name: string): Promise<Uint8Array | null>;
  /** Create or replace a blob atomically: concurrent readers see the old bytes or the new, never a mix. */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** Remove a blob; removing a missing blob is not an error. */
  delete(name: string): Promise<void>;
  /** Every blob with its size and time (order unspecified). Leftover temporary files are not blobs. */
  list(): Promise<CacheStoreEntry[]>;
  /** Every blob's name, without sizes: a directory listing only, much cheaper than list() on disk and OPFS. */
  names(): Promise<string[]>;
}

/** Names a store accepts: 1-128 of [A-Za-z0-9._-], not starting with a dot (dot names are temporaries). */
export const STORE_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function checkStoreName(name: string, store: string): void {
  if (typeof name !== 'string' || !STORE_NAME_PATTERN.test(name)) {
    throw new TypeError(
      `${store}: invalid blob name ${JSON.stringify(name)}; use 1-128 characters of [A-Za-z0-9._-], not starting with "."`,
    );
  }
}

/**
 * The shard (subdirectory) a blob lives in, or '' for the root: names that start with two lowercase hex digits
 * and have more after them (cache entries, named by key) go to a directory named by those two digits, so no
 * directory holds more than ~1/256 of the entries. The disk and OPFS stores share this rule.
 */
export function shardOf(name: string): string {
  return /^[0-9a-f]{2}./.test(name) ? name.slice(0, 2) : '';
}

/** True for the names of shard directories. */
export function isShardName(name: string): boolean {
  return /^[0-9a-f]{2}$/.test(name);
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
