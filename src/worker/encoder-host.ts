// The request handling of the encoder worker (protocol.ts), apart from the worker's globals so it can be tested
// in Node over a real MessageChannel. encoder-worker.ts wires it to the browser: onnxruntime-web, model sources
// over fetch/Cache Storage, the OPFS feature cache and navigator.gpu.
// Design decisions:
// - One encoder at a time; loads are serialised and an encode waits for the load in flight. Each request has
//   its own AbortController, so "cancel" stops exactly that download or encode (between batches).
// - Results are posted with their Float32Array buffers in the transfer list (moved, not copied).
// - A feature cache that cannot open (no OPFS) is a warning on the encode that needed it, not a failure.
import { Encoder } from '../encoder/encoder';
import type { FeatureCache } from '../encoder/feature-cache';
import { tokenRows } from '../encoder/token-rows';
import type { ModelFiles } from '../encoder/model-files';
import type { OrtRuntime, RuntimeKind } from '../encoder/runtime';
import { describeSource, type ModelSource, type ProgressCallback } from '../encoder/sources';
import { errorToData, transferablesOf, type WorkerLoadOptions, type WorkerRequest, type WorkerResponse } from './protocol';

export interface HostDeps {
  loadSource(source: ModelSource, opts: { onProgress: ProgressCallback; signal: AbortSignal; refresh?: boolean }): Promise<ModelFiles>;
  /** The onnxruntime to load models on (created once by the caller and reused). */
  runtime(opts: WorkerLoadOptions): Promise<OrtRuntime | RuntimeKind>;
  /** For EP policy "auto": the WebGPU adapter's fallback flag, or null without WebGPU. */
  adapterHint(): Promise<{ isFallbackAdapter: boolean; description: string } | null>;
  /** The feature cache (opened once by the host); may throw where no store is available. */
  openCache(): Promise<FeatureCache>;
  post(message: WorkerResponse, transfer: Transferable[]): void;
}

export class EncoderHost {
  private encoder: Promise<Encoder | null> = Promise.resolve(null);
  private featureCache: Promise<FeatureCache | null> | null = null;
  private readonly controllers = new Map<number, AbortController>();

  constructor(private readonly deps: HostDeps) {}

  /** Handle one request; the answer (or error) is posted when the work is done. */
  handle(req: WorkerRequest): void {
    if (req.type === 'cancel') {
      this.controllers.get(req.target)?.abort(new DOMException(`request ${req.target} was cancelled`, 'AbortError'));
      return;
    }
    const controller = new AbortController();
    this.controllers.set(req.id, controller);
    let work: Promise<void>;
    switch (req.type) {
      case 'load':
        work = this.load(req, controller.signal);
        break;
      case 'encode':
        work = this.encode(req, controller.signal);
        break;
      case 'tokenize':
        work = this.tokenize(req);
        break;
      case 'clear-cache':
        work = this.clearCache(req.id);
        break;
      case 'dispose':
        work = this.dispose().then(() => this.post({ type: 'disposed', id: req.id }));
        break;
      default:
        work = Promise.reject(new Error(`encoder worker: unknown request type ${JSON.stringify((req as { type?: unknown }).type)}`));
    }
    const id = (req as { id: number }).id;
    work
      .catch((err) => this.post({ type: 'error', id, error: errorToData(err) }))
      .finally(() => this.controllers.delete(id));
  }

  private post(message: WorkerResponse, transfer: Transferable[] = []): void {
    this.deps.post(message, transfer);
  }

  private openFeatureCache(id: number): Promise<FeatureCache | null> {
    this.featureCache ??= (async () => {
      this.post({ type: 'progress', id, progress: { kind: 'stage', stage: 'opening-cache' } });
      try {
        return await this.deps.openCache();
      } catch (err) {
        this.featureCache = null; // try again on the next encode
        const message = `The feature cache is unavailable, encoding without it: ${errorToData(err).message}`;
        this.post({ type: 'progress', id, progress: { kind: 'warning', message } });
        return null;
      }
    })();
    return this.featureCache;
  }

  private async load(req: Extract<WorkerRequest, { type: 'load' }>, signal: AbortSignal): Promise<void> {
    const previous = this.encoder;
    let resolveNext!: (e: Encoder | null) => void;
    this.encoder = new Promise((r) => (resolveNext = r));
    let loaded: Encoder | null = null;
    try {
      await (await previous.catch(() => null))?.dispose();
      const onProgress: ProgressCallback = (p) => this.post({ type: 'progress', id: req.id, progress: { kind: 'download', ...p } });
      this.post({ type: 'progress', id: req.id, progress: { kind: 'stage', stage: 'fetching', detail: describeSource(req.source) } });
      const t0 = performance.now();
      const files = await this.deps.loadSource(req.source, { onProgress, signal, refresh: req.options.refresh });
      const t1 = performance.now();
      signal.throwIfAborted();
      const policy = req.options.epPolicy ?? 'auto';
      const given = req.options.adapter;
      const adapter =
        given !== undefined ? given && { isFallbackAdapter: given.isFallbackAdapter, description: 'given by the caller' } : policy === 'auto' ? await this.deps.adapterHint() : null;
      this.post({ type: 'progress', id: req.id, progress: { kind: 'stage', stage: 'creating-session', detail: policy } });
      const rt = await this.deps.runtime(req.options);
      loaded = await Encoder.load(files, {
        runtime: rt,
        epPolicy: policy,
        adapter: adapter && { isFallbackAdapter: adapter.isFallbackAdapter },
        tmax: req.options.tmax,
      });
      const t2 = performance.now();
      if (signal.aborted) {
        await loaded.dispose();
        loaded = null;
        signal.throwIfAborted();
      }
      const threads = typeof rt === 'object' && rt.kind === 'web' ? rt.ort.env.wasm?.numThreads : undefined;
      this.post({
        type: 'loaded',
        id: req.id,
        report: {
          info: loaded!.info,
          epDescription: loaded!.epDescription,
          adapter,
          wasmThreads: typeof threads === 'number' ? threads : null,
          fetchMs: t1 - t0,
          sessionMs: t2 - t1,
        },
      });
    } finally {
      resolveNext(loaded);
    }
  }

  private async encode(req: Extract<WorkerRequest, { type: 'encode' }>, signal: AbortSignal): Promise<void> {
    const enc = await this.encoder.catch(() => null);
    if (!enc) throw new Error('No model is loaded in the encoder worker: load a model before encoding.');
    const cache = req.options.cache === false ? null : await this.openFeatureCache(req.id);
    const examples = await enc.encode(req.inputs, {
      tmax: req.options.tmax,
      batchTokens: req.options.batchTokens,
      maxBatch: req.options.maxBatch,
      cache: cache ?? undefined,
      signal,
      onProgress: (p) => this.post({ type: 'progress', id: req.id, progress: { kind: 'encode', ...p } }),
    });
    await cache?.flush();
    this.post({ type: 'encoded', id: req.id, report: { examples, cache: cache ? cache.stats() : null } }, transferablesOf(examples));
  }

  private async tokenize(req: Extract<WorkerRequest, { type: 'tokenize' }>): Promise<void> {
    const enc = await this.encoder.catch(() => null);
    if (!enc) throw new Error('No model is loaded in the encoder worker: load a model before tokenizing.');
    const t = req.options.tmax;
    if (t !== undefined && (!Number.isInteger(t) || t < 1)) throw new Error(`tmax must be a positive integer (a token limit), got ${t}`);
    const tmax = t === undefined ? enc.tmax : Math.min(t, enc.info.maxTokens);
    const tokens = req.inputs.map((inp) => tokenRows(enc.tokenizer, enc.info.hasPairInput, inp, tmax));
    this.post({ type: 'tokenized', id: req.id, tokens });
  }

  private async clearCache(id: number): Promise<void> {
    const cache = await this.openFeatureCache(id);
    await cache?.clear();
    await cache?.flush();
    this.post({ type: 'cache-cleared', id, stats: cache ? cache.stats() : null });
  }

  private async dispose(): Promise<void> {
    for (const c of this.controllers.values()) c.abort(new DOMException('the encoder worker is being disposed', 'AbortError'));
    const enc = await this.encoder.catch(() => null);
    this.encoder = Promise.resolve(null);
    await enc?.dispose();
    const cache = await this.featureCache?.catch(() => null);
    this.featureCache = null;
    await cache?.close();
  }
}
