// Node-only model cache: downloaded model files on disk, one file per URL, under $LABELTUNE_MODEL_DIR or
// ~/.cache/labeltune/models. Design decision: the path mirrors the URL (host/owner/name/resolve/rev/file), so
// the cache is browsable and a user can delete one model by hand; files are written to a temporary name and
// renamed, so an interrupted download never leaves a partial file under the real name. Never bundled for the
// browser (node:fs); the browser's counterpart is browserModelCache() in model-cache.ts.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ModelCache } from './model-cache';

/** $LABELTUNE_MODEL_DIR, else ~/.cache/labeltune/models. */
export function defaultModelDir(): string {
  const env = process.env.LABELTUNE_MODEL_DIR;
  return env && env.trim() !== '' ? env : join(homedir(), '.cache', 'labeltune', 'models');
}

/** The file a URL is stored in: <dir>/<host[_port]>/<path segments>. */
export function cachePathForUrl(dir: string, url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`model cache: only http(s) URLs are cached, got ${url}`);
  const host = u.host.replace(/[^A-Za-z0-9.-]/g, '_');
  const segments = u.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      const d = decodeURIComponent(s);
      // Keep a segment readable but never a path operator or a separator.
      return d === '.' || d === '..' ? `%2E${d.slice(1)}` : d.replace(/[/\\\0]/g, '_');
    });
  if (segments.length === 0) throw new Error(`model cache: URL has no path: ${url}`);
  return join(dir, host, ...segments);
}

export function diskModelCache(dir: string = defaultModelDir()): ModelCache {
  return {
    where: dir,
    async get(url) {
      try {
        return new Uint8Array(await readFile(cachePathForUrl(dir, url)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async put(url, bytes) {
      const path = cachePathForUrl(dir, url);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async delete(url) {
      await rm(cachePathForUrl(dir, url), { force: true });
    },
  };
}
