// Model sources without a network: the file checks (ONNX protobuf shape, tokenizer.json, config.json), local
// files given as Blobs/Files, local paths in Node, the embedded default's "not generated" error, and the
// disk model cache. The hub (HTTP) path is tests/unit/hub.test.ts.
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBlob, type FileProgress } from '../../src/encoder/download';
import { cachePathForUrl, diskModelCache } from '../../src/encoder/model-cache-node';
import { checkOnnxBytes, ModelSourceError, parseConfigJson, parseTokenizerJson } from '../../src/encoder/model-check';
import { classifyLocalFiles, loadLocalFiles, loadModelSource } from '../../src/encoder/sources';
import { loadDefaultModelFromDisk, loadLocalPaths, loadModelSourceNode } from '../../src/encoder/sources-node';
import { fakeOnnx, sameBytes } from './sources-fixtures';

const TOKENIZER = JSON.stringify({ version: '1.0', model: { type: 'WordPiece', vocab: { '[UNK]': 0 } } });
const enc = (s: string) => new TextEncoder().encode(s);

function expectSourceError(fn: () => unknown, code: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a ModelSourceError').toBeInstanceOf(ModelSourceError);
  expect((caught as ModelSourceError).code).toBe(code);
  expect((caught as Error).message).toMatch(pattern);
}

async function expectRejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(ModelSourceError);
  expect((err as ModelSourceError).code).toBe(code);
  expect((err as Error).message).toMatch(pattern);
}

describe('checkOnnxBytes', () => {
  it('accepts a minimal ModelProto and a large one', () => {
    expect(() => checkOnnxBytes(fakeOnnx(), 'm.onnx')).not.toThrow();
    expect(() => checkOnnxBytes(fakeOnnx(300_000), 'm.onnx')).not.toThrow();
  });

  it('names the usual wrong files', () => {
    expectSourceError(() => checkOnnxBytes(new Uint8Array(0), 'm.onnx'), 'not-onnx', /m\.onnx .*empty/);
    expectSourceError(() => checkOnnxBytes(enc('<!doctype html><html>'), 'x'), 'not-onnx', /HTML/);
    expectSourceError(() => checkOnnxBytes(enc('version https://git-lfs.github.com/spec/v1\noid sha256:'), 'x'), 'not-onnx', /Git LFS pointer/);
    expectSourceError(() => checkOnnxBytes(enc(TOKENIZER), 'x'), 'not-onnx', /JSON file/);
    expectSourceError(() => checkOnnxBytes(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), 'x'), 'not-onnx', /zip/);
    expectSourceError(() => checkOnnxBytes(new Uint8Array([0x1f, 0x8b, 8, 0]), 'x'), 'not-onnx', /gzip/);
    expectSourceError(() => checkOnnxBytes(enc('hello world, just text'), 'x'), 'not-onnx', /x is not an ONNX model/);
  });

  it('detects a truncated download', () => {
    const full = fakeOnnx(5000);
    expectSourceError(() => checkOnnxBytes(full.subarray(0, 2000), 'cut.onnx'), 'not-onnx', /truncated/);
  });

  it('requires a graph', () => {
    expectSourceError(() => checkOnnxBytes(new Uint8Array([0x08, 0x08]), 'x'), 'not-onnx', /no graph/);
  });
});

describe('tokenizer.json / config.json', () => {
  it('parses a tokenizers file and rejects look-alikes', () => {
    expect(parseTokenizerJson(enc(TOKENIZER))).toHaveProperty('model');
    expectSourceError(() => parseTokenizerJson('{"model": '), 'bad-json', /tokenizer\.json is not valid JSON/);
    expectSourceError(() => parseTokenizerJson('{"tokenizer_class": "BertTokenizer"}'), 'bad-json', /tokenizer_config\.json/);
    expectSourceError(() => parseTokenizerJson('[PAD]\n[UNK]\n[CLS]\n'), 'bad-json', /vocab\.txt/);
    expectSourceError(() => parseTokenizerJson('[1, 2]'), 'bad-json', /an array/);
    expectSourceError(() => parseTokenizerJson('<html>'), 'bad-json', /HTML page/);
  });

  it('parses config.json as an object', () => {
    expect(parseConfigJson('{"hidden_size": 32}')).toEqual({ hidden_size: 32 });
    expectSourceError(() => parseConfigJson('"x"', 'my/config.json'), 'bad-json', /my\/config\.json must hold a JSON object/);
    expectSourceError(() => parseConfigJson('{,}', 'c.json'), 'bad-json', /c\.json is not valid JSON/);
  });
});

describe('local files (Blob / File)', () => {
  const model = new File([fakeOnnx(200_000) as BlobPart], 'tiny.onnx');
  const tokenizer = new File([TOKENIZER], 'tokenizer.json');
  const config = new File(['{"hidden_size": 32}'], 'config.json');

  it('sorts dropped files by name and loads them with progress', async () => {
    const source = classifyLocalFiles([config, new File(['{}'], 'tokenizer_config.json'), model, tokenizer]);
    const events: FileProgress[] = [];
    const files = await loadModelSource(source, { onProgress: (p) => events.push(p) });
    expect(files.name).toBe('tiny');
    expect(files.model.length).toBe(model.size);
    expect(files.config).toEqual({ hidden_size: 32 });
    expect(events.filter((e) => e.done).map((e) => e.file).sort()).toEqual(['config.json', 'model.onnx', 'tokenizer.json']);
    const last = events.filter((e) => e.file === 'model.onnx').at(-1)!;
    expect(last).toMatchObject({ loaded: model.size, total: model.size, fromCache: false });
  });

  it('says what is missing or wrong', async () => {
    expectSourceError(() => classifyLocalFiles([model]), 'missing-file', /No tokenizer\.json .* tiny\.onnx/);
    expectSourceError(() => classifyLocalFiles([tokenizer]), 'missing-file', /No model file/);
    expectSourceError(() => classifyLocalFiles([model, new File([''], 'b.onnx'), tokenizer]), 'missing-file', /Several \.onnx/);
    expectSourceError(() => classifyLocalFiles([model, tokenizer, new File([''], 'model.onnx_data')]), 'not-onnx', /external-data/);
    const notOnnx = new File(['<html>'], 'model.onnx');
    await expectRejects(loadLocalFiles({ kind: 'files', model: notOnnx, tokenizer }), 'not-onnx', /model\.onnx is not an ONNX model: it is an HTML/);
    const badTok = new File(['{oops'], 'tokenizer.json');
    await expectRejects(loadLocalFiles({ kind: 'files', model, tokenizer: badTok }), 'bad-json', /tokenizer\.json is not valid JSON/);
  });

  it('honours an abort signal while reading', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(readBlob(model, 'tiny.onnx', { file: 'model.onnx', signal: ctl.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('Node paths, embedded default, disk cache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'labeltune-sources-'));
    await mkdir(join(dir, 'repo', 'onnx'), { recursive: true });
    await writeFile(join(dir, 'repo', 'onnx', 'model.onnx'), fakeOnnx());
    await writeFile(join(dir, 'repo', 'tokenizer.json'), TOKENIZER);
    await writeFile(join(dir, 'repo', 'config.json'), '{"hidden_size": 32}');
    await mkdir(join(dir, 'lonely'));
    await writeFile(join(dir, 'lonely', 'enc.onnx'), fakeOnnx());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a model folder in the hub layout, by folder or by file', async () => {
    const a = await loadLocalPaths({ kind: 'paths', model: join(dir, 'repo') });
    expect(a.name).toBe('repo');
    expect(a.config).toEqual({ hidden_size: 32 });
    const b = await loadModelSourceNode({ kind: 'paths', model: join(dir, 'repo', 'onnx', 'model.onnx') });
    expect(b.name).toBe('repo');
    expect(sameBytes(b.model, a.model)).toBe(true);
  });

  it('says which file is missing', async () => {
    await expectRejects(loadLocalPaths({ kind: 'paths', model: join(dir, 'lonely', 'enc.onnx') }), 'missing-file', /No tokenizer\.json for .*enc\.onnx/);
    await expectRejects(loadLocalPaths({ kind: 'paths', model: join(dir, 'nope.onnx') }), 'missing-file', /does not exist/);
    await expectRejects(
      loadLocalPaths({ kind: 'paths', model: join(dir, 'lonely', 'enc.onnx'), tokenizer: join(dir, 'repo', 'config.json') }),
      'bad-json',
      /no "model" object/,
    );
  });

  it('reports a missing embedded default with how to generate it', async () => {
    await expectRejects(loadDefaultModelFromDisk({ defaultModelDir: join(dir, 'empty') }), 'not-generated', /npm start.*npm run setup/);
  });

  it('keeps cache files under a path that mirrors the URL, written atomically', async () => {
    const cacheDir = join(dir, 'cache');
    const url = 'http://127.0.0.1:8080/o/n/resolve/refs%2Fpr%2F1/onnx/model.onnx';
    expect(cachePathForUrl(cacheDir, url)).toBe(join(cacheDir, '127.0.0.1_8080', 'o', 'n', 'resolve', 'refs_pr_1', 'onnx', 'model.onnx'));
    const cache = diskModelCache(cacheDir);
    expect(await cache.get(url)).toBeNull();
    await cache.put(url, new Uint8Array([1, 2, 3]));
    expect(await cache.get(url)).toEqual(new Uint8Array([1, 2, 3]));
    const files = await readdir(join(cacheDir, '127.0.0.1_8080', 'o', 'n', 'resolve', 'refs_pr_1', 'onnx'));
    expect(files).toEqual(['model.onnx']); // no leftover temporary file
    await cache.delete(url);
    expect(await cache.get(url)).toBeNull();
  });
});
