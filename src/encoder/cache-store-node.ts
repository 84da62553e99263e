// CacheStore on the local disk (Node): one file per blob under a cache directory, entries sharded into
// two-hex-digit subdirectories (see shardOf) so no directory grows past ~1/256 of the cache.
// Design decision: write() goes to a uniquely named ".tmp-*" file in the target directory and is renamed over
// the destination — rename is atomic on POSIX and Windows (same volume), so a reader or a second writer (another
// process too) never sees a half-written file. No fsync: after a power loss a torn entry fails its checksum and
// is re-encoded, which is cheaper than syncing every entry. Default directory: $LABELTUNE_CACHE_DIR, else
// $XDG_CACHE_HOME/labeltune/features, else ~/.cache/labeltune/features.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GiB, STORE_NAME_PATTERN, checkStoreName, isShardName, shardOf, type CacheStore, type CacheStoreEntry } from './cache-store';

/** Temporary files older than this are leftovers of a crashed write; list() removes them. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export function defaultNodeCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.LABELTUNE_CACHE_DIR) return env.LABELTUNE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'labeltune', 'features');
}

export class NodeCacheStore implements CacheStore {
  readonly kind = 'node' as const;
  readonly location: string;
  readonly defaultBudgetBytes: number;
  private readonly madeDirs = new Set<string>();

  constructor(options: { dir?: string; defaultBudgetBytes?: number } = {}) {
    this.location = options.dir ?? defaultNodeCacheDir();
    this.defaultBudgetBytes = options.defaultBudgetBytes ?? 2 * GiB;
  }

  private pathOf(name: string): { dir: string; file: string } {
    checkStoreName(name, `disk cache store ${this.location}`);
    const shard = shardOf(name);
    const dir = shard ? join(this.location, shard) : this.location;
    return { dir, file: join(dir, name) };
  }

  async read(name: string): Promise<Uint8Array | null> {
    const { file } = this.pathOf(name);
    try {
      return await readFile(file);
    } catch (e) {
      if (code(e) === 'ENOENT') return null;
      throw new Error(`disk cache store: cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const { dir, file } = this.pathOf(name);
    if (!this.madeDirs.has(dir)) {
      try {
        await mkdir(dir, { recursive: true });
      } catch (e) {
        throw new Error(
          `disk cache store: cannot create ${dir}: ${(e as Error).message}. Set LABELTUNE_CACHE_DIR to a writable directory.`,
          { cause: e },
        );
      }
      this.madeDirs.add(dir);
    }
    const temp = join(dir, `.tmp-${name}-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(temp, bytes, { flag: 'wx' });
      await rename(temp, file);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      if (code(e) === 'ENOENT') this.madeDirs.delete(dir); // the directory was removed under us; recreate next time
      throw new Error(`disk cache store: cannot write ${file}: ${(e as Error).message}`, { cause: e });
    }
  }

  async delete(name: string): Promise<void> {
    const { file } = this.pathOf(name);
    try {
      await unlink(file);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw new Error(`disk cache store: cannot delete ${file}: ${(e as Error).message}`, { cause: e });
    }
  }

  async names(): Promise<string[]> {
    return (await this.scan()).blobs.map((b) => b.name);
  }

  async list(): Promise<CacheStoreEntry[]> {
    const { blobs, temps } = await this.scan();
    const now = Date.now();
    await Promise.all(temps.map(async (path) => {
      const st = await stat(path).catch(() => null);
      if (st && now - st.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => undefined);
    }));
    const out: CacheStoreEntry[] = [];
    await Promise.all(blobs.map(async ({ name, path }) => {
      const st = await stat(path).catch(() => null); // null: removed meanwhile
      if (st) out.push({ name, bytes: st.size, modified: st.mtimeMs });
    }));
    return out;
  }

  /** Blob files and leftover temporaries under the cache directory (directory listings only, no stat). */
  private async scan(): Promise<{ blobs: { name: string; path: string }[]; temps: string[] }> {
    const blobs: { name: string; path: string }[] = [];
    const temps: string[] = [];
    const walk = async (dir: string, shard: string): Promise<void> => {
      let items;
      try {
        items = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (code(e) === 'ENOENT') return;
        throw new Error(`disk cache store: cannot list ${dir}: ${(e as Error).message}`, { cause: e });
      }
      const subdirs: string[] = [];
      for (const it of items) {
        if (it.isDirectory()) {
          if (shard === '' && isShardName(it.name)) subdirs.push(it.name);
        } else if (it.isFile()) {
          if (it.name.startsWith('.tmp-')) temps.push(join(dir, it.name));
          // Only names this store could have written, in the directory it would have written them to.
          else if (STORE_NAME_PATTERN.test(it.name) && shardOf(it.name) === shard) blobs.push({ name: it.name, path: join(dir, it.name) });
        }
      }
      for (const s of subdirs) await walk(join(dir, s), s);
    };
    await walk(this.location, '');
    return { blobs, temps };
  }
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
