// In-memory CacheStore: for tests and as the fallback where neither a disk nor OPFS is available (features are
// then cached for the life of the page or process only).
// Design decision: bytes are copied on write and on read, so no caller can alter a stored blob through an
// array it still holds — the memory store behaves like a disk, and corruption tests must go through write().

import { MiB, checkStoreName, type CacheStore, type CacheStoreEntry } from './cache-store';

export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  readonly location = 'memory';
  readonly defaultBudgetBytes: number;
  private readonly blobs = new Map<string, { bytes: Uint8Array; modified: number }>();

  constructor(options: { defaultBudgetBytes?: number } = {}) {
    this.defaultBudgetBytes = options.defaultBudgetBytes ?? 256 * MiB;
  }

  async read(name: string): Promise<Uint8Array | null> {
    checkStoreName(name, 'memory cache store');
    const blob = this.blobs.get(name);
    return blob ? blob.bytes.slice() : null;
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    checkStoreName(name, 'memory cache store');
    this.blobs.set(name, { bytes: bytes.slice(), modified: Date.now() });
  }

  async delete(name: string): Promise<void> {
    checkStoreName(name, 'memory cache store');
    this.blobs.delete(name);
  }

  async names(): Promise<string[]> {
    return [...this.blobs.keys()];
  }

  async list(): Promise<CacheStoreEntry[]> {
    return [...this.blobs].map(([name, b]) => ({ name, bytes: b.bytes.length, modified: b.modified }));
  }
}
