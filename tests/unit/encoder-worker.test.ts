// The encoder worker's protocol end to end in Node: EncoderClient (main-thread side) talks to EncoderHost (the
// worker's request handling) over a real MessageChannel — structured cloning and transfer lists included — with
// the tiny BERT (tools/make-tiny-bert.ts) on onnxruntime-node. The browser wiring (encoder-worker.ts: onnxruntime-web,
// OPFS, navigator.gpu) runs in headless Chromium in `npm run bench:encoder`.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/encoder/cache-store-memory';
import { Encoder } from '../../src/encoder/encoder';
import { FeatureCache } from '../../src/encoder/feature-cache';
import { ModelSourceError } from '../../src/encoder/model-check';
import { loadModelSourceNode } from '../../src/encoder/sources-node';
import type { LocalFilesSource } from '../../src/encoder/sources';
import { tokenRows } from '../../src/encoder/token-rows';
import type { EncodeProgress } from '../../src/encoder/types';
import { EncoderClient, type WorkerLike } from '../../src/worker/encoder-client';
import { EncoderHost, type HostDeps } from '../../src/worker/encoder-host';
import type { WorkerProgress, WorkerRequest, WorkerResponse } from '../../src/worker/protocol';
import { makeTinyBert } from '../../tools/make-tiny-bert';

let source: LocalFilesSource;
const TEXTS = ['the movie was great', 'a dull , lifeless film', 'hello world', '', 'one more sentence for the batch'];

beforeAll(() => {
  const tb = makeTinyBert();
  source = {
    kind: 'files',
    model: new File([tb.model as BlobPart], 'model.onnx'),
    tokenizer: new File([JSON.stringify(tb.tokenizerJson)], 'tokenizer.json'),
    config: new File([JSON.stringify(tb.configJson)], 'config.json'),
    name: 'tiny-bert',
  };
});

interface Rig {
  client: EncoderClient;
  /** Transfer lists the host posted with, newest last. */
  transfers: ArrayBuffer[][];
  ports: MessagePort[];
}

const rigs: Rig[] = [];

function rig(overrides: Partial<HostDeps> = {}): Rig {
  const { port1: workerSide, port2: pageSide } = new MessageChannel();
  const transfers: ArrayBuffer[][] = [];
  const host = new EncoderHost({
    loadSource: (s, opts) => loadModelSourceNode(s, opts),
    runtime: async () => 'node',
    adapterHint: async () => ({ isFallbackAdapter: true, description: 'fake fallback adapter' }),
    openCache: () => FeatureCache.open({ store: new MemoryCacheStore() }),
    post: (message, transfer) => {
      transfers.push(transfer as ArrayBuffer[]);
      workerSide.postMessage(message, transfer as ArrayBuffer[]);
    },
    ...overrides,
  });
  workerSide.on('message', (req: WorkerRequest) => host.handle(req));
  const worker: WorkerLike = {
    postMessage: (req) => pageSide.postMessage(req),
    addEventListener: (type: 'message' | 'error', listener: (ev: never) => void) => {
      if (type === 'message') pageSide.on('message', (data: WorkerResponse) => listener({ data } as never));
    },
    terminate: () => {
      workerSide.close();
      pageSide.close();
    },
  };
  const r = { client: new EncoderClient(worker), transfers, ports: [workerSide, pageSide] };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) await r.client.dispose().catch(() => {});
});

describe('EncoderClient <-> EncoderHost over a MessageChannel', () => {
  it('loads with progress, encodes like a direct Encoder, and transfers the result buffers', async () => {
    const { client, transfers } = rig();
    const progress: WorkerProgress[] = [];
    const report = await client.load(source, { onProgress: (p) => progress.push(p) });
    expect(report.info).toMatchObject({ name: 'tiny-bert', hiddenSize: 32, ep: 'cpu', hasPairInput: true });
    expect(report.epDescription).toBe('onnxruntime-node cpu');
    expect(report.adapter).toEqual({ isFallbackAdapter: true, description: 'fake fallback adapter' }); // "auto" asked for it
    expect(client.info?.hash).toBe(report.info.hash);
    expect(progress[0]).toMatchObject({ kind: 'stage', stage: 'fetching', detail: 'tiny-bert (local files)' });
    expect(progress.filter((p) => p.kind === 'download' && p.done).map((p) => (p as { file: string }).file)).toEqual(['tokenizer.json', 'config.json', 'model.onnx']);
    expect(progress.at(-1)).toMatchObject({ kind: 'stage', stage: 'creating-session' });

    const seen: EncodeProgress[] = [];
    const got = await client.encode(TEXTS.map((text) => ({ text })), { onProgress: (p) => seen.push(p), cache: false });
    expect(seen.at(-1)).toMatchObject({ done: TEXTS.length, total: TEXTS.length });
    const direct = await Encoder.load(await loadModelSourceNode(source), { runtime: 'node' });
    try {
      const want = await direct.encode(TEXTS.map((text) => ({ text })));
      expect(got.map((e) => e.length)).toEqual(want.map((e) => e.length));
      for (let i = 0; i < TEXTS.length; i++) {
        expect([...got[i].pooled]).toEqual([...want[i].pooled]);
        expect([...got[i].tokens]).toEqual([...want[i].tokens]);
      }
    } finally {
      await direct.dispose();
    }
    // The host listed every result buffer for transfer, and they are detached on its side now.
    const sent = transfers.at(-1)!;
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.every((b) => b.byteLength === 0)).toBe(true);
  });

  it('serves a second encode from the feature cache, and clears it on request', async () => {
    const { client } = rig();
    await client.load(source, { epPolicy: 'auto' });
    const inputs = TEXTS.map((text) => ({ text }));
    const first = await client.encode(inputs);
    expect(client.cacheStats).toMatchObject({ hits: 0 });
    const second = await client.encode(inputs);
    expect(client.cacheStats).toMatchObject({ hits: TEXTS.length });
    expect([...second[2].pooled]).toEqual([...first[2].pooled].map((x) => expect.closeTo(x, 2))); // float16 in the cache
    const cleared = await client.clearCache();
    expect(cleared?.bytes).toBe(0);
  });

  it('cancels an encode (AbortError), via a signal and via cancel()', async () => {
    const { client } = rig();
    await client.load(source);
    const many = Array.from({ length: 200 }, (_, i) => ({ text: `sentence number ${i} ${'word '.repeat(i % 20)}` }));
    const ctl = new AbortController();
    const p = client.encode(many, { cache: false, maxBatch: 2, signal: ctl.signal, onProgress: (e) => e.done >= 4 && ctl.abort() });
    await expect(p).rejects.toSatisfy((e: unknown) => e instanceof DOMException && e.name === 'AbortError');
    const q = client.encode(many, { cache: false, maxBatch: 2, onProgress: (e) => e.done >= 4 && client.cancel() });
    await expect(q).rejects.toSatisfy((e: unknown) => e instanceof DOMException && e.name === 'AbortError');
    // the encoder is still usable afterwards
    expect((await client.encode([{ text: 'still works' }], { cache: false })).length).toBe(1);
  });

  it('reports errors as the classes they were in the worker', async () => {
    const { client } = rig();
    await expect(client.encode([{ text: 'x' }])).rejects.toThrow(/No model is loaded in the encoder worker: load a model before encoding/);
    const bad = { ...source, model: new File(['<!doctype html>'], 'model.onnx') };
    const err = await client.load(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelSourceError);
    expect(err).toMatchObject({ code: 'not-onnx' });
    expect((err as Error).message).toMatch(/model\.onnx is not an ONNX model: it is an HTML/);
    await expect(client.load(source, { epPolicy: 'webgpu' })).rejects.toThrow(/EP policy "webgpu" needs onnxruntime-web/);
  });

  it('warns and encodes without the cache when the feature cache cannot open', async () => {
    const { client } = rig({ openCache: () => Promise.reject(new Error('OPFS is not available here')) });
    await client.load(source);
    const notices: WorkerProgress[] = [];
    const out = await client.encode([{ text: 'no cache' }], { onNotice: (p) => notices.push(p) });
    expect(out.length).toBe(1);
    expect(client.cacheStats).toBeNull();
    expect(notices).toContainEqual({ kind: 'warning', message: 'The feature cache is unavailable, encoding without it: OPFS is not available here' });
  });

  it('tokenizes: one token string per row of the encoding (singles and pairs), same Tmax rule as encode', async () => {
    const { client } = rig();
    await expect(client.tokenize([{ text: 'x' }])).rejects.toThrow(/No model is loaded in the encoder worker: load a model before tokenizing/);
    await client.load(source);
    const inputs = [...TEXTS.map((text) => ({ text })), { text: 'the movie', textPair: 'was great' }];
    const [tokens, encoded] = await Promise.all([client.tokenize(inputs), client.encode(inputs, { cache: false })]);
    expect(tokens.map((t) => t.length)).toEqual(encoded.map((e) => e.length));
    expect(tokens[2][0]).toBe('[CLS]');
    expect(tokens[2].at(-1)).toBe('[SEP]');
    expect(tokens[3]).toEqual(['[CLS]', '[SEP]']); // the empty text: just the template's specials
    expect(tokens[5].filter((t) => t === '[SEP]').length).toBe(2); // [CLS] a [SEP] b [SEP]
    const short = await client.tokenize([{ text: TEXTS[4] }], { tmax: 4 });
    expect(short[0].length).toBe(4);
    expect((await client.encode([{ text: TEXTS[4] }], { tmax: 4, cache: false }))[0].length).toBe(4);
    // An encoder without a pair input encodes the sides separately: A's rows then B's, each with its own template.
    const direct = await Encoder.load(await loadModelSourceNode(source), { runtime: 'node' });
    try {
      const sides = tokenRows(direct.tokenizer, false, { text: 'the movie', textPair: 'was great' }, 16);
      const a = tokenRows(direct.tokenizer, false, { text: 'the movie' }, 16);
      const b = tokenRows(direct.tokenizer, false, { text: 'was great' }, 16);
      expect(sides).toEqual([...a, ...b]);
      expect(direct.tokenizer.idToToken(direct.tokenizer.encode('hello world', undefined, 16).ids[1])).toBe(tokens[2][1]);
    } finally {
      await direct.dispose();
    }
  });

  it('refuses requests after dispose', async () => {
    const { client } = rig();
    await client.load(source);
    await client.dispose();
    expect(client.info).toBeNull();
    await expect(client.encode([{ text: 'x' }])).rejects.toThrow(/disposed/);
  });
});
