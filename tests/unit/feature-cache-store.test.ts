// One conformance suite for the three CacheStore implementations: disk (Node, a temp dir), memory, and OPFS on
// an in-memory fake of the File System API (tests/helpers/fake-opfs.ts; the real OPFS runs in the browser tier).
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GiB, MiB, type CacheStore } from '../../src/encoder/cache-store';
import { MemoryCacheStore } from '../../src/encoder/cache-store-memory';
import { NodeCacheStore, defaultNodeCacheDir } from '../../src/encoder/cache-store-node';
import { OpfsCacheStore } from '../../src/encoder/cache-store-opfs';
import { FakeDirHandle } from '../helpers/fake-opfs';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'labeltune-store-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const KEY_NAME = '3f'.repeat(32) + '.ltfc';

const factories: [string, () => Promise<CacheStore>][] = [
  ['node', async () => new NodeCacheStore({ dir: join(await tempDir(), 'features') })],
  ['memory', async () => new MemoryCacheStore()],
  ['opfs (fake File System API)', async () => new OpfsCacheStore({ root: new FakeDirHandle() as unknown as FileSystemDirectoryHandle })],
];

for (const [label, make] of factories) {
  describe(`CacheStore conformance: ${label}`, () => {
    it('reads null for a missing blob, lists nothing, and deletes a missing blob quietly', async () => {
      const s = await make();
      expect(await s.read(KEY_NAME)).toBeNull();
      expect(await s.read('index.ltfi')).toBeNull();
      expect(await s.list()).toEqual([]);
      expect(await s.names()).toEqual([]);
      await s.delete(KEY_NAME);
    });

    it('writes, reads back, replaces, lists (name, size, time) and deletes sharded and root blobs', async () => {
      const s = await make();
      const before = Date.now();
      const a = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
      await s.write(KEY_NAME, a);
      await s.write('index.ltfi', new Uint8Array([1, 2, 3]));
      a[0] = 99; // the store kept its own copy
      expect(Array.from((await s.read(KEY_NAME))!.subarray(0, 3))).toEqual([0, 1, 2]);
      await s.write(KEY_NAME, new Uint8Array([7, 7]));
      expect(Array.from((await s.read(KEY_NAME))!)).toEqual([7, 7]);
      const listed = (await s.list()).sort((x, y) => x.name.localeCompare(y.name));
      expect(listed.map((e) => [e.name, e.bytes])).toEqual([[KEY_NAME, 2], ['index.ltfi', 3]]);
      expect((await s.names()).sort()).toEqual([KEY_NAME, 'index.ltfi']);
      for (const e of listed) expect(e.modified).toBeGreaterThanOrEqual(before - 2000);
      await s.delete(KEY_NAME);
      expect(await s.read(KEY_NAME)).toBeNull();
      expect((await s.list()).map((e) => e.name)).toEqual(['index.ltfi']);
    });

    it('handles concurrent writes of one name: the result is one of the writes, whole', async () => {
      const s = await make();
      const blobs = Array.from({ length: 8 }, (_, i) => new Uint8Array(5000 + i).fill(i));
      await Promise.all(blobs.map((b) => s.write(KEY_NAME, b)));
      const got = (await s.read(KEY_NAME))!;
      const i = got[0];
      expect(got.length).toBe(5000 + i);
      expect(got.every((x) => x === i)).toBe(true);
      expect((await s.list()).length).toBe(1);
    });

    it('rejects names that could escape the store or collide with temporaries', async () => {
      const s = await make();
      for (const bad of ['', '.tmp-x', '../x', 'a/b', 'a\\b', 'x'.repeat(129)]) {
        await expect(s.write(bad, new Uint8Array(1)), bad).rejects.toThrow(/invalid blob name/);
        await expect(s.read(bad), bad).rejects.toThrow(/invalid blob name/);
      }
    });

    it('states its kind, location and default budget', async () => {
      const s = await make();
      expect(s.location.length).toBeGreaterThan(0);
      expect(s.defaultBudgetBytes).toBe({ node: 2 * GiB, opfs: 512 * MiB, memory: 256 * MiB }[s.kind]);
    });
  });
}

describe('NodeCacheStore specifics', () => {
  it('shards entries by their first two hex digits and keeps other names at the root', async () => {
    const dir = join(await tempDir(), 'features');
    const s = new NodeCacheStore({ dir });
    await s.write(KEY_NAME, new Uint8Array(4));
    await s.write('index.ltfi', new Uint8Array(4));
    expect((await readdir(dir)).sort()).toEqual(['3f', 'index.ltfi']);
    expect(await readdir(join(dir, '3f'))).toEqual([KEY_NAME]);
  });

  it('leaves no temp files behind, ignores foreign files, and removes stale temp files when listing', async () => {
    const dir = join(await tempDir(), 'features');
    const s = new NodeCacheStore({ dir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.write(KEY_NAME, new Uint8Array(100 + i))));
    expect(await readdir(join(dir, '3f'))).toEqual([KEY_NAME]);
    // A crashed write's leftover (old) and a fresh in-flight one; a file in the wrong shard; a dot file.
    const stale = join(dir, '3f', `.tmp-${KEY_NAME}-1-aaaa`);
    const fresh = join(dir, '3f', `.tmp-${KEY_NAME}-2-bbbb`);
    await writeFile(stale, 'x');
    await writeFile(fresh, 'x');
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(stale, old, old);
    await writeFile(join(dir, '3f', 'ab' + 'c'.repeat(62) + '.ltfc'), 'misplaced');
    await writeFile(join(dir, '.DS_Store'), 'x');
    expect(await s.names()).toEqual([KEY_NAME]);
    await stat(stale); // names() only lists; list() cleans up
    expect((await s.list()).map((e) => e.name)).toEqual([KEY_NAME]);
    await expect(stat(stale)).rejects.toThrow(/ENOENT/);
    await stat(fresh); // still there: it may belong to a live writer
  });

  it('defaults to $LABELTUNE_CACHE_DIR, then $XDG_CACHE_HOME/labeltune/features, then ~/.cache/labeltune/features', () => {
    expect(defaultNodeCacheDir({ LABELTUNE_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(defaultNodeCacheDir({ XDG_CACHE_HOME: '/c' })).toBe(join('/c', 'labeltune', 'features'));
    expect(defaultNodeCacheDir({})).toMatch(/[/\\]\.cache[/\\]labeltune[/\\]features$/);
  });

  it('says which directory it could not create', async () => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, 'x');
    const s = new NodeCacheStore({ dir: join(file, 'features') });
    await expect(s.write(KEY_NAME, new Uint8Array(1))).rejects.toThrow(/cannot create .*a-file.*LABELTUNE_CACHE_DIR/);
  });
});

describe('OpfsCacheStore specifics (fake File System API)', () => {
  it('works under /labeltune/features with the same shard layout as the disk store', async () => {
    const root = new FakeDirHandle();
    const s = new OpfsCacheStore({ root: root as unknown as FileSystemDirectoryHandle });
    expect(s.location).toBe('OPFS:/labeltune/features');
    await s.write(KEY_NAME, new Uint8Array(4));
    await s.write('index.ltfi', new Uint8Array(4));
    const features = await (await root.getDirectoryHandle('labeltune')).getDirectoryHandle('features');
    expect(features.names().sort()).toEqual(['3f', 'index.ltfi']);
    expect((await features.getDirectoryHandle('3f')).names()).toEqual([KEY_NAME]);
  });

  it('recovers when a shard directory is removed behind its back', async () => {
    const root = new FakeDirHandle();
    const s = new OpfsCacheStore({ root: root as unknown as FileSystemDirectoryHandle });
    await s.write(KEY_NAME, new Uint8Array(4));
    const features = await (await root.getDirectoryHandle('labeltune')).getDirectoryHandle('features');
    await features.removeEntry('3f', { recursive: true });
    expect(await s.read(KEY_NAME)).toBeNull();
    await s.delete(KEY_NAME);
    await s.write(KEY_NAME, new Uint8Array(5)); // the stale shard handle is dropped and the shard recreated
    expect((await s.read(KEY_NAME))!.length).toBe(5);
  });

  it('retries a delete that meets an open writable (Chromium: NoModificationAllowedError), and gives up on a stuck lock', async () => {
    const root = new FakeDirHandle();
    const s = new OpfsCacheStore({ root: root as unknown as FileSystemDirectoryHandle });
    await s.write('index.ltfi', new Uint8Array(3));
    const features = await (await root.getDirectoryHandle('labeltune')).getDirectoryHandle('features');
    const other = await (await features.getFileHandle('index.ltfi')).createWritable(); // another context writing
    const deleting = s.delete('index.ltfi');
    await new Promise((r) => setTimeout(r, 5));
    await other.close(); // the lock goes away while the delete is retrying
    await deleting;
    expect(await s.list()).toEqual([]);
    const stuck = await (await features.getFileHandle('index.ltfi', { create: true })).createWritable();
    await expect(s.delete('index.ltfi')).rejects.toThrow(/stayed locked by another writer .* 6 tries/);
    await stuck.close();
    await s.delete('index.ltfi');
    expect(await s.list()).toEqual([]);
  });

  it('explains what is missing outside a browser', async () => {
    const s = new OpfsCacheStore();
    await expect(s.list()).rejects.toThrow(/navigator\.storage\.getDirectory\(\) is missing.*NodeCacheStore/);
  });
});
