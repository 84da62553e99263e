// The Web Worker that hosts the frozen encoder in the browser (onnxruntime-web, runtime 'web'), so tokenising
// and session runs never block the page. It answers the requests of protocol.ts: load a model source, encode
// inputs (through the OPFS feature cache), cancel a request, dispose. Started by encoder-client.ts with
// `new Worker(new URL('./encoder-worker.ts', import.meta.url), { type: 'module' })`.
// Design decisions:
// - One encoder at a time; loads are serialised and an encode waits for the load in flight. Each request has
//   its own AbortController, so "cancel" stops exactly that download or encode (between batches).
// - EP policy "auto" needs to know whether the WebGPU adapter is a fallback (CPU) one: the worker asks
//   navigator.gpu for the adapter's info only (no device is created) unless the caller passed it in.
// - onnxruntime-web's .wasm location is pinned (env.wasm.wasmPaths) from a Vite `?url` import. Vite already
//   rewrites onnxruntime-web's own `new URL('...wasm', import.meta.url)` in dev and in builds (checked with
//   bench/encoder.html both ways; the build emits one hashed assets/ort-wasm-simd-threaded.jsep-*.wasm), so
//   vite.config.ts needs no change; the explicit path keeps that location one visible fact, not a bundler accident.
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { OpfsCacheStore } from '../encoder/cache-store-opfs';
import { Encoder } from '../encoder/encoder';
import { FeatureCache } from '../encoder/feature-cache';
import { loadRuntime, type OrtRuntime } from '../encoder/runtime';
import { describeSource, loadModelSource, type ProgressCallback } from '../encoder/sources';
import { errorToData, transferablesOf, type WorkerLoadOptions, type WorkerRequest, type WorkerResponse } from './protocol';

/** The slice of DedicatedWorkerGlobalScope used here (tsconfig's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: WorkerResponse, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

let encoder: Promise<Encoder | null> = Promise.resolve(null);
let runtime: Promise<OrtRuntime> | null = null;
let featureCache: Promise<FeatureCache | null> | null = null;
const controllers = new Map<number, AbortController>();

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** onnxruntime-web, with its .wasm where Vite put it. */
function webRuntime(opts: WorkerLoadOptions): Promise<OrtRuntime> {
  runtime ??= loadRuntime('web', { wasmThreads: opts.wasmThreads }).then((rt) => {
    rt.ort.env.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, self.location.href).href };
    // onnxruntime logs benign warnings (e.g. "some nodes were not assigned to the preferred EP": shape ops
    // kept on the CPU) through console.error; keep the console for real errors.
    rt.ort.env.logLevel = 'error';
    return rt;
  });
  return runtime;
}

/** What "auto" needs: is the WebGPU adapter a fallback (CPU) one? null when there is no WebGPU here. */
async function adapterHint(): Promise<{ isFallbackAdapter: boolean; description: string } | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const isFallbackAdapter =
    (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'unknown adapter';
  return { isFallbackAdapter, description };
}

/** The OPFS feature cache, opened once; null (with a warning) where OPFS is unavailable. */
function openFeatureCache(id: number): Promise<FeatureCache | null> {
  featureCache ??= (async () => {
    post({ type: 'progress', id, progress: { kind: 'stage', stage: 'opening-cache' } });
    try {
      return await FeatureCache.open({ store: new OpfsCacheStore() });
    } catch (err) {
      featureCache = null; // try again on the next encode
      post({
        type: 'progress',
        id,
        progress: { kind: 'warning', message: `The feature cache (OPFS) is unavailable, encoding without it: ${errorToData(err).message}` },
      });
      return null;
    }
  })();
  return featureCache;
}

async function handleLoad(req: Extract<WorkerRequest, { type: 'load' }>, signal: AbortSignal): Promise<void> {
  const previous = encoder;
  let resolveNext!: (e: Encoder | null) => void;
  encoder = new Promise((r) => (resolveNext = r));
  let loaded: Encoder | null = null;
  try {
    await (await previous.catch(() => null))?.dispose();
    const progress: ProgressCallback = (p) =>
      post({ type: 'progress', id: req.id, progress: { kind: 'download', ...p } });
    post({ type: 'progress', id: req.id, progress: { kind: 'stage', stage: 'fetching', detail: describeSource(req.source) } });
    const t0 = performance.now();
    const files = await loadModelSource(req.source, { onProgress: progress, signal, refresh: req.options.refresh });
    const t1 = performance.now();
    signal.throwIfAborted();
    const policy = req.options.epPolicy ?? 'auto';
    const adapter = req.options.adapter !== undefined ? (req.options.adapter && { ...req.options.adapter, description: 'given by the caller' }) : policy === 'auto' ? await adapterHint() : null;
    post({ type: 'progress', id: req.id, progress: { kind: 'stage', stage: 'creating-session', detail: policy } });
    const rt = await webRuntime(req.options);
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
    post({
      type: 'loaded',
      id: req.id,
      report: {
        info: loaded!.info,
        epDescription: loaded!.epDescription,
        adapter,
        wasmThreads: typeof rt.ort.env.wasm.numThreads === 'number' ? rt.ort.env.wasm.numThreads : null,
        fetchMs: t1 - t0,
        sessionMs: t2 - t1,
      },
    });
  } finally {
    resolveNext(loaded);
  }
}

async function handleEncode(req: Extract<WorkerRequest, { type: 'encode' }>, signal: AbortSignal): Promise<void> {
  const enc = await encoder.catch(() => null);
  if (!enc) throw new Error('No model is loaded in the encoder worker: load a model before encoding.');
  const cache = req.options.cache === false ? null : await openFeatureCache(req.id);
  const examples = await enc.encode(req.inputs, {
    tmax: req.options.tmax,
    batchTokens: req.options.batchTokens,
    maxBatch: req.options.maxBatch,
    cache: cache ?? undefined,
    signal,
    onProgress: (p) => post({ type: 'progress', id: req.id, progress: { kind: 'encode', ...p } }),
  });
  await cache?.flush();
  post({ type: 'encoded', id: req.id, report: { examples, cache: cache ? cache.stats() : null } }, transferablesOf(examples));
}

async function handleClearCache(id: number): Promise<void> {
  const cache = await openFeatureCache(id);
  await cache?.clear();
  await cache?.flush();
  post({ type: 'cache-cleared', id, stats: cache ? cache.stats() : null });
}

async function handleDispose(): Promise<void> {
  for (const c of controllers.values()) c.abort();
  const enc = await encoder.catch(() => null);
  encoder = Promise.resolve(null);
  await enc?.dispose();
  const cache = await featureCache?.catch(() => null);
  featureCache = null;
  await cache?.close();
}

scope.addEventListener('message', (ev) => {
  const req = ev.data;
  if (req.type === 'cancel') {
    controllers.get(req.target)?.abort(new DOMException(`request ${req.target} was cancelled`, 'AbortError'));
    return;
  }
  const controller = new AbortController();
  controllers.set(req.id, controller);
  const work =
    req.type === 'load'
      ? handleLoad(req, controller.signal)
      : req.type === 'encode'
        ? handleEncode(req, controller.signal)
        : req.type === 'dispose'
          ? handleDispose().then(() => post({ type: 'disposed', id: req.id }))
          : req.type === 'clear-cache'
            ? handleClearCache(req.id)
            : Promise.reject(new Error(`encoder worker: unknown request type ${JSON.stringify((req as { type?: unknown }).type)}`));
  work
    .catch((err) => post({ type: 'error', id: req.id, error: errorToData(err) }))
    .finally(() => controllers.delete(req.id));
});
