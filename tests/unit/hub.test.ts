// The Hugging Face hub source against a local HTTP server (node:http on 127.0.0.1, port 0) that serves the hub's
// layout `/<owner>/<name>/resolve/<revision>/...`: progress events, the disk cache (a second load makes no
// request), 404/401/network errors, the quantized fallback, a response without Content-Length, repo-id checks.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FileProgress } from '../../src/encoder/download';
import { hubFileUrl, loadHubModel, parseRepoId } from '../../src/encoder/hub';
import { diskModelCache, cachePathForUrl } from '../../src/encoder/model-cache-node';
import { memoryModelCache } from '../../src/encoder/model-cache';
import { ModelSourceError } from '../../src/encoder/model-check';
import { loadModelSourceNode } from '../../src/encoder/sources-node';
import { fakeOnnx, sameBytes } from './sources-fixtures';

interface Hub {
  base: string;
  /** path -> bytes served */
  files: Map<string, Uint8Array>;
  /** path -> number of GET requests */
  requests: Map<string, number>;
  /** paths answered without Content-Length (chunked) */
  chunked: Set<string>;
  server: Server;
}

const TOKENIZER = new TextEncoder().encode(JSON.stringify({ version: '1.0', model: { type: 'WordPiece', vocab: { '[UNK]': 0 } } }));
const CONFIG = new TextEncoder().encode('{"hidden_size": 32}');

async function startHub(): Promise<Hub> {
  const hub = { files: new Map(), requests: new Map(), chunked: new Set() } as unknown as Hub;
  hub.server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hub.requests.set(path, (hub.requests.get(path) ?? 0) + 1);
    if (path.startsWith('/private/')) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('Invalid credentials');
      return;
    }
    const bytes = hub.files.get(path);
    if (!bytes) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    if (hub.chunked.has(path)) {
      // No Content-Length: Node sends Transfer-Encoding: chunked; several writes make several chunks.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const step = Math.ceil(bytes.length / 4);
      for (let i = 0; i < bytes.length; i += step) res.write(bytes.subarray(i, i + step));
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) }).end(bytes);
  });
  await new Promise<void>((ok) => hub.server.listen(0, '127.0.0.1', ok));
  hub.base = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  return hub;
}

function serveRepo(hub: Hub, repo: string, files: Record<string, Uint8Array>, revision = 'main'): void {
  for (const [f, b] of Object.entries(files)) hub.files.set(`/${repo}/resolve/${revision}/${f}`, b);
}

const count = (hub: Hub) => [...hub.requests.values()].reduce((a, b) => a + b, 0);

async function rejection(p: Promise<unknown>): Promise<ModelSourceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a ModelSourceError').toBeInstanceOf(ModelSourceError);
  return err as ModelSourceError;
}

let hub: Hub;
let dir: string;
const MODEL = fakeOnnx(3_000_000);
const QUANT = fakeOnnx(700_000);

beforeAll(async () => {
  hub = await startHub();
  dir = await mkdtemp(join(tmpdir(), 'labeltune-hub-'));
  serveRepo(hub, 'acme/full', { 'onnx/model.onnx': MODEL, 'onnx/model_quantized.onnx': QUANT, 'tokenizer.json': TOKENIZER, 'config.json': CONFIG });
  serveRepo(hub, 'acme/quant-only', { 'onnx/model_quantized.onnx': QUANT, 'tokenizer.json': TOKENIZER });
  serveRepo(hub, 'acme/no-tokenizer', { 'onnx/model.onnx': MODEL });
  serveRepo(hub, 'acme/no-model', { 'tokenizer.json': TOKENIZER });
  serveRepo(hub, 'acme/html', { 'onnx/model.onnx': new TextEncoder().encode('<!doctype html><title>Hub</title>'), 'tokenizer.json': TOKENIZER });
  serveRepo(hub, 'acme/chunked', { 'onnx/model.onnx': MODEL, 'tokenizer.json': TOKENIZER });
  hub.chunked.add('/acme/chunked/resolve/main/onnx/model.onnx');
  serveRepo(hub, 'acme/full', { 'onnx/model.onnx': QUANT, 'tokenizer.json': TOKENIZER }, 'v1.0');
});

afterAll(async () => {
  await new Promise((ok) => hub.server.close(ok));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => hub.requests.clear());

describe('parseRepoId', () => {
  it('accepts owner/name and pasted hub addresses', () => {
    expect(parseRepoId('Xenova/all-MiniLM-L6-v2')).toEqual({ repo: 'Xenova/all-MiniLM-L6-v2', revision: undefined });
    expect(parseRepoId(' https://huggingface.co/Xenova/bert-base-uncased/tree/v2 ')).toEqual({ repo: 'Xenova/bert-base-uncased', revision: 'v2' });
    expect(parseRepoId('https://huggingface.co/onnx-community/x.y_z')).toEqual({ repo: 'onnx-community/x.y_z', revision: undefined });
  });

  it('rejects anything else with an example of the right form', () => {
    for (const bad of ['', 'bert-base-uncased', 'a/b/c', 'a/../b', '../etc/passwd', 'a/b c', '-a/b', 'a/b.', 'a--b/c', `a/${'x'.repeat(100)}`]) {
      expect(() => parseRepoId(bad), bad).toThrow(/is not a Hugging Face repository id: expected owner\/name.*Xenova\/all-MiniLM-L6-v2/);
    }
  });

  it('encodes the revision in URLs', () => {
    expect(hubFileUrl('https://huggingface.co/', 'o/n', 'refs/pr/1', 'tokenizer.json')).toBe('https://huggingface.co/o/n/resolve/refs%2Fpr%2F1/tokenizer.json');
  });
});

describe('loadHubModel against a local hub', () => {
  it('downloads with progress, then loads from the disk cache without a request', async () => {
    const cacheDir = join(dir, 'cache-a');
    const events: FileProgress[] = [];
    const first = await loadModelSourceNode(
      { kind: 'hub', repo: 'acme/full', hubBase: hub.base },
      { cache: diskModelCache(cacheDir), onProgress: (p) => events.push(p) },
    );
    expect(first.name).toBe('acme/full');
    expect(sameBytes(first.model, MODEL)).toBe(true);
    expect(first.config).toEqual({ hidden_size: 32 });
    expect(first.tokenizerJson).toHaveProperty('model.type', 'WordPiece');
    // tokenizer first (fail fast), then config, then the model
    expect([...new Set(events.map((e) => e.file))]).toEqual(['tokenizer.json', 'config.json', 'onnx/model.onnx']);
    const model = events.filter((e) => e.file === 'onnx/model.onnx');
    expect(model[0]).toMatchObject({ loaded: 0, total: MODEL.length, done: false, fromCache: false });
    expect(model.at(-1)).toMatchObject({ loaded: MODEL.length, total: MODEL.length, done: true, fromCache: false });
    expect(model.every((e, i) => i === 0 || e.loaded >= model[i - 1].loaded)).toBe(true);
    expect(model.at(-1)!.url).toBe(`${hub.base}/acme/full/resolve/main/onnx/model.onnx`);
    expect(count(hub)).toBe(3);

    const before = count(hub);
    const cached: FileProgress[] = [];
    const second = await loadModelSourceNode(
      { kind: 'hub', repo: 'acme/full', hubBase: hub.base },
      { cache: diskModelCache(cacheDir), onProgress: (p) => cached.push(p) },
    );
    expect(count(hub)).toBe(before); // no request at all
    expect(sameBytes(second.model, MODEL)).toBe(true);
    expect(cached.every((e) => e.fromCache && e.done)).toBe(true);
    expect(cached.map((e) => e.file)).toEqual(['tokenizer.json', 'config.json', 'onnx/model.onnx']);
  });

  it('falls back to onnx/model_quantized.onnx on a 404, and remembers the 404', async () => {
    const cache = memoryModelCache();
    const files = await loadHubModel({ repo: 'acme/quant-only', hubBase: hub.base }, { cache });
    expect(files.name).toBe('acme/quant-only (quantized)');
    expect(sameBytes(files.model, QUANT)).toBe(true);
    expect(files.config).toBeUndefined();
    expect(hub.requests.get('/acme/quant-only/resolve/main/onnx/model.onnx')).toBe(1);
    const n = count(hub);
    await loadHubModel({ repo: 'acme/quant-only', hubBase: hub.base }, { cache });
    expect(count(hub)).toBe(n); // the negative entries for model.onnx and config.json spare both requests
  });

  it('loads the quantized export when asked, and a pinned revision', async () => {
    const q = await loadHubModel({ repo: 'acme/full', hubBase: hub.base, variant: 'quantized' }, { cache: null });
    expect(sameBytes(q.model, QUANT)).toBe(true);
    expect(hub.requests.get('/acme/full/resolve/main/onnx/model.onnx')).toBeUndefined();
    const v = await loadHubModel({ repo: 'https://huggingface.co/acme/full/tree/v1.0', hubBase: hub.base }, { cache: null });
    expect(sameBytes(v.model, QUANT)).toBe(true);
    expect(hub.requests.get('/acme/full/resolve/v1.0/onnx/model.onnx')).toBe(1);
  });

  it('streams a response without Content-Length (total unknown until done)', async () => {
    const events: FileProgress[] = [];
    const files = await loadHubModel({ repo: 'acme/chunked', hubBase: hub.base }, { cache: null, onProgress: (p) => events.push(p) });
    expect(sameBytes(files.model, MODEL)).toBe(true);
    const model = events.filter((e) => e.file === 'onnx/model.onnx');
    expect(model.slice(0, -1).every((e) => e.total === null)).toBe(true);
    expect(model.at(-1)).toMatchObject({ loaded: MODEL.length, total: MODEL.length, done: true });
  });

  it('turns 404, 401, wrong content and an unreachable server into readable errors', async () => {
    let e = await rejection(loadHubModel({ repo: 'acme/missing', hubBase: hub.base }, { cache: null }));
    expect(e.code).toBe('not-found');
    expect(e.message).toContain(`404 for ${hub.base}/acme/missing/resolve/main/tokenizer.json`);
    expect(e.message).toMatch(/Check the repository id and revision/);

    e = await rejection(loadHubModel({ repo: 'acme/no-tokenizer', hubBase: hub.base }, { cache: null }));
    expect(e.message).toMatch(/^tokenizer\.json was not found in acme\/no-tokenizer/);
    expect(hub.requests.get('/acme/no-tokenizer/resolve/main/onnx/model.onnx')).toBeUndefined(); // failed before the big file

    e = await rejection(loadHubModel({ repo: 'acme/no-model', hubBase: hub.base }, { cache: null }));
    expect(e.code).toBe('not-found');
    expect(e.message).toMatch(/neither onnx\/model\.onnx nor onnx\/model_quantized\.onnx/);

    e = await rejection(loadHubModel({ repo: 'acme/no-model', hubBase: hub.base, variant: 'fp32' }, { cache: null }));
    expect(e.message).toMatch(/^onnx\/model\.onnx was not found/);

    e = await rejection(loadHubModel({ repo: 'private/model', hubBase: hub.base }, { cache: null }));
    expect(e.code).toBe('unauthorized');
    expect(e.message).toMatch(/HTTP 401 for http:\/\/127\.0\.0\.1:\d+\/private\/model\/resolve\/main\/tokenizer\.json.*private or gated/);

    e = await rejection(loadHubModel({ repo: 'acme/html', hubBase: hub.base }, { cache: memoryModelCache() }));
    expect(e.code).toBe('not-onnx');
    expect(e.message).toMatch(/onnx\/model\.onnx of acme\/html .* is not an ONNX model: it is an HTML/);

    e = await rejection(loadHubModel({ repo: 'acme/full', hubBase: 'http://127.0.0.1:1' }, { cache: null }));
    expect(e.code).toBe('network');
    expect(e.message).toMatch(/Could not reach http:\/\/127\.0\.0\.1:1\/acme\/full\/resolve\/main\/tokenizer\.json/);

    e = await rejection(loadHubModel({ repo: 'not a repo', hubBase: hub.base }, { cache: null }));
    expect(e.code).toBe('bad-repo-id');
  });

  it('re-downloads a damaged cache entry instead of trusting it', async () => {
    const cacheDir = join(dir, 'cache-b');
    const cache = diskModelCache(cacheDir);
    await loadHubModel({ repo: 'acme/full', hubBase: hub.base }, { cache });
    const url = `${hub.base}/acme/full/resolve/main/onnx/model.onnx`;
    await writeFile(cachePathForUrl(cacheDir, url), MODEL.subarray(0, 1000)); // truncated on disk
    hub.requests.clear();
    const files = await loadHubModel({ repo: 'acme/full', hubBase: hub.base }, { cache });
    expect(sameBytes(files.model, MODEL)).toBe(true);
    expect(hub.requests.get('/acme/full/resolve/main/onnx/model.onnx')).toBe(1);
    expect(count(hub)).toBe(1);
  });

  it('can be cancelled mid-download', async () => {
    const ctl = new AbortController();
    const p = loadHubModel(
      { repo: 'acme/full', hubBase: hub.base },
      { cache: null, signal: ctl.signal, onProgress: (e) => e.file === 'onnx/model.onnx' && ctl.abort() },
    );
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});
