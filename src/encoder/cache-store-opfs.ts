// CacheStore in the browser's Origin Private File System (navigator.storage.getDirectory()), under
// /labeltune/features, with the same two-hex-digit shard directories as the disk store (see shardOf).
// Design decision: only the asynchronous File System API — getFile() to read, createWritable() + close() to
// write — because it works the same in a window and in a Web Worker; createSyncAccessHandle() is worker-only and
// locks the file against every other reader. createWritable() writes to a swap file that replaces the blob
// atomically on close() (abort() on failure discards it), so readers see the old bytes or the new, never a mix.
// Needs a secure context (https or localhost) and a browser with createWritable (Chromium 86+, Firefox 111+,
// Safari 26+); anything else gets an error saying so.

import { MiB, STORE_NAME_PATTERN, checkStoreName, isShardName, shardOf, type CacheStore, type CacheStoreEntry } from './cache-store';

/** The slice of FileSystemDirectoryHandle this store uses (async iteration is not in TS's DOM lib here). */
interface DirHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileSystemFileHandle>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  entries(): AsyncIterableIterator<[string, { kind: 'file' | 'directory' }]>;
}

export interface OpfsCacheStoreOptions {
  /** Directory to work under instead of the OPFS root (tests pass a scratch directory). */
  root?: FileSystemDirectoryHandle;
  /** Path of the cache below the root. Default ["labeltune", "features"]. */
  path?: string[];
  /** Default 512 MiB: browsers grant OPFS a share of free disk, and eviction by the browser loses it all. */
  defaultBudgetBytes?: number;
}

export class OpfsCacheStore implements CacheStore {
  readonly kind = 'opfs' as const;
  readonly location: string;
  readonly defaultBudgetBytes: number;
  private readonly path: string[];
  private readonly rootOverride?: FileSystemDirectoryHandle;
  private base: Promise<DirHandle> | null = null;
  private readonly shards = new Map<string, DirHandle>();

  constructor(options: OpfsCacheStoreOptions = {}) {
    this.path = options.path ?? ['labeltune', 'features'];
    for (const p of this.path) checkStoreName(p, 'OPFS cache store path');
    this.rootOverride = options.root;
    this.location = `OPFS:/${this.path.join('/')}`;
    this.defaultBudgetBytes = options.defaultBudgetBytes ?? 512 * MiB;
  }

  /** The cache directory, created on first use. */
  private dir(): Promise<DirHandle> {
    this.base ??= (async () => {
      let d = (this.rootOverride ?? (await opfsRoot())) as unknown as DirHandle;
      for (const p of this.path) d = await d.getDirectoryHandle(p, { create: true });
      return d;
    })().catch((e) => {
      this.base = null; // let a later call retry (e.g. after the user grants storage)
      throw e;
    });
    return this.base;
  }

  /** The directory a blob lives in; null when it would have to be created and `create` is false. */
  private async dirOf(name: string, create: boolean): Promise<DirHandle | null> {
    checkStoreName(name, `OPFS cache store ${this.location}`);
    const base = await this.dir();
    const shard = shardOf(name);
    if (!shard) return base;
    const known = this.shards.get(shard);
    if (known) return known;
    try {
      const d = await base.getDirectoryHandle(shard, { create });
      this.shards.set(shard, d);
      return d;
    } catch (e) {
      if (isDomError(e, 'NotFoundError')) return null;
      throw e;
    }
  }

  async read(name: string): Promise<Uint8Array | null> {
    const dir = await this.dirOf(name, false);
    if (!dir) return null;
    try {
      const file = await (await dir.getFileHandle(name)).getFile();
      return new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      if (isDomError(e, 'NotFoundError')) return null;
      throw new Error(`OPFS cache store: cannot read ${this.location}/${name}: ${(e as Error).message}`, { cause: e });
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    await whileLocked(`write ${this.location}/${name}`, async () => {
      try {
        await this.writeOnce(name, bytes);
      } catch (e) {
        // A shard directory removed behind our back (another tab's clear()) leaves a stale handle: retry once.
        if (!isDomError(e, 'NotFoundError') && !isDomError((e as Error).cause, 'NotFoundError')) throw e;
        this.shards.delete(shardOf(name));
        await this.writeOnce(name, bytes);
      }
    });
  }

  private async writeOnce(name: string, bytes: Uint8Array): Promise<void> {
    const dir = (await this.dirOf(name, true))!;
    const handle = await dir.getFileHandle(name, { create: true });
    if (typeof handle.createWritable !== 'function') {
      throw new Error(
        'OPFS cache store: this browser has no FileSystemFileHandle.createWritable() (needed to write the feature ' +
          'cache); use a current Chromium, Firefox or Safari, or a MemoryCacheStore.',
      );
    }
    const stream = await handle.createWritable();
    try {
      // write() rejects views of a SharedArrayBuffer: copy those into a plain ArrayBuffer.
      await stream.write(bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice());
      await stream.close();
    } catch (e) {
      await stream.abort().catch(() => undefined);
      if (isDomError(e, 'NoModificationAllowedError')) throw e;
      throw new Error(`OPFS cache store: cannot write ${this.location}/${name}: ${(e as Error).message}`, { cause: e });
    }
  }

  async delete(name: string): Promise<void> {
    const dir = await this.dirOf(name, false);
    if (!dir) return;
    await whileLocked(`delete ${this.location}/${name}`, async () => {
      try {
        await dir.removeEntry(name);
      } catch (e) {
        if (isDomError(e, 'NotFoundError')) return;
        if (isDomError(e, 'NoModificationAllowedError')) throw e;
        throw new Error(`OPFS cache store: cannot delete ${this.location}/${name}: ${(e as Error).message}`, { cause: e });
      }
    });
  }

  async names(): Promise<string[]> {
    return (await this.scan()).map((b) => b.name);
  }

  async list(): Promise<CacheStoreEntry[]> {
    const out: CacheStoreEntry[] = [];
    await Promise.all((await this.scan()).map(async ({ name, dir }) => {
      try {
        const file = await (await dir.getFileHandle(name)).getFile();
        out.push({ name, bytes: file.size, modified: file.lastModified });
      } catch (e) {
        if (!isDomError(e, 'NotFoundError')) throw e; // removed meanwhile
      }
    }));
    return out;
  }

  /** Blob names with their directories (directory iteration only, no File objects). */
  private async scan(): Promise<{ name: string; dir: DirHandle }[]> {
    const out: { name: string; dir: DirHandle }[] = [];
    const walk = async (dir: DirHandle, shard: string): Promise<void> => {
      const subdirs: string[] = [];
      for await (const [name, handle] of dir.entries()) {
        if (handle.kind === 'directory') {
          if (shard === '' && isShardName(name)) subdirs.push(name);
        } else if (shardOf(name) === shard && STORE_NAME_PATTERN.test(name)) {
          out.push({ name, dir }); // other names are not blobs this store wrote (e.g. a browser's swap file)
        }
      }
      for (const s of subdirs) await walk(await dir.getDirectoryHandle(s), s);
    };
    await walk(await this.dir(), '');
    return out;
  }
}

async function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  if (!storage || typeof storage.getDirectory !== 'function') {
    throw new Error(
      'OPFS cache store: navigator.storage.getDirectory() is missing. The Origin Private File System needs a browser ' +
        'page or worker in a secure context (https or localhost); in Node use NodeCacheStore, elsewhere MemoryCacheStore.',
    );
  }
  return storage.getDirectory();
}

/**
 * Run `op`, retrying while the file is locked: Chromium gives createWritable() a shared lock and removeEntry() an
 * exclusive one, so a write and a delete of one file from two contexts (a tab and a worker, or two caches on one
 * store) collide with NoModificationAllowedError for as long as the other operation runs. Six tries, 2-64 ms apart.
 */
async function whileLocked(what: string, op: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!isDomError(e, 'NoModificationAllowedError')) throw e;
      if (attempt >= 5) {
        throw new Error(
          `OPFS cache store: cannot ${what}: the file stayed locked by another writer (another tab or worker, or a ` +
            `sync access handle) through ${attempt + 1} tries: ${(e as Error).message}`,
          { cause: e },
        );
      }
      await new Promise((r) => setTimeout(r, 2 << attempt));
    }
  }
}

function isDomError(e: unknown, name: string): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name;
}
