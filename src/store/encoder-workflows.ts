// Encoder workflows: load a model into an encoder worker and encode texts, publishing progress and results to
// the store. Design decision: a new model (or EP policy) loads in a *fresh* worker while the current one keeps
// serving encodes; only when the new model is ready does getEncoderClient() switch to it and the old worker get
// disposed. A load that fails (a wrong file, a 404, a session error) disposes only its own worker, so the model
// in use stays loaded, and the failure lands in the store as a specific message (with the ModelSourceError code).
import { ModelSourceError } from '../encoder/model-check';
import { describeSource, type ModelSource } from '../encoder/sources';
import type { EpPolicy } from '../encoder/types';
import type { WorkerProgress } from '../encoder/load-report';
import { EncoderClient } from '../worker/encoder-client';
import type { ModelFileProgress, PendingModel } from './encoder-slice';
import { useStudio } from './store';

let client: EncoderClient | null = null;
let inFlight: { key: string; source: ModelSource; controller: AbortController; promise: Promise<void> } | null = null;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown) => (err as { name?: string } | null)?.name === 'AbortError';

/** The page's usable encoder worker client (null until the first model is ready). */
export function getEncoderClient(): EncoderClient | null {
  return client;
}

/** Identity of a load request: the same source and policy share one load (React StrictMode mounts twice). */
function keyOf(source: ModelSource, policy: EpPolicy): string {
  return source.kind === 'files' ? '' : `${policy}|${JSON.stringify(source)}`;
}

/**
 * Load a model (default: the embedded USE-lite) with an EP policy (default: the current one). A request for
 * the same source as the load in flight joins it; a different one cancels it and starts over. The model in use
 * stays usable until the new one is ready.
 */
export function loadEncoder(source: ModelSource = { kind: 'default' }, epPolicy?: EpPolicy): Promise<void> {
  const policy = epPolicy ?? useStudio.getState().epPolicy;
  const key = keyOf(source, policy);
  if (inFlight && key !== '' && inFlight.key === key) return inFlight.promise;
  inFlight?.controller.abort();
  const controller = new AbortController();
  const entry = { key, source, controller, promise: Promise.resolve() };
  entry.promise = doLoad(source, policy, controller.signal).finally(() => {
    if (inFlight === entry) inFlight = null;
  });
  inFlight = entry;
  return entry.promise;
}

/** The source the usable model came from (to reload it with another EP policy), or null. */
let currentSource: ModelSource | null = null;
export function getCurrentSource(): ModelSource | null {
  return currentSource;
}

/** Cancel the model load in flight (the model in use stays). */
export function cancelModelLoad(): void {
  inFlight?.controller.abort();
}

const STAGES: Record<string, string> = {
  fetching: 'Fetching the files',
  'creating-session': 'Creating the onnxruntime session',
  'opening-cache': 'Opening the feature cache',
};

/** Fold one worker progress event into the pending model's per-file list and stage. */
function withProgress(p: PendingModel, ev: WorkerProgress): PendingModel {
  if (ev.kind === 'download') {
    const f: ModelFileProgress = { file: ev.file, loaded: ev.loaded, total: ev.total, fromCache: ev.fromCache, done: ev.done };
    const i = p.files.findIndex((x) => x.file === ev.file);
    const files = i < 0 ? [...p.files, f] : p.files.map((x, k) => (k === i ? f : x));
    return { ...p, files, stage: `Reading ${ev.file}` };
  }
  if (ev.kind === 'stage') {
    const what = STAGES[ev.stage] ?? ev.stage;
    return { ...p, stage: ev.stage === 'creating-session' && ev.detail ? `${what} (EP policy ${ev.detail})` : what };
  }
  return p;
}

async function doLoad(source: ModelSource, policy: EpPolicy, signal: AbortSignal): Promise<void> {
  const { setEncoder } = useStudio.getState();
  const description = describeSource(source);
  const first = client === null;
  let pending: PendingModel = { description, epPolicy: policy, files: [], stage: 'Starting the encoder worker' };
  setEncoder({
    pendingModel: pending,
    modelError: null,
    ...(first ? { encoderStatus: 'loading' as const, encoderError: null, encoderNotice: null } : {}),
  });
  const next = new EncoderClient();
  try {
    const { info, ...report } = await next.load(source, {
      epPolicy: policy,
      signal,
      onProgress: (p) => {
        if (signal.aborted) return;
        pending = withProgress(pending, p);
        setEncoder({ pendingModel: pending, loadProgress: p });
      },
    });
    signal.throwIfAborted();
    const old = client;
    client = next;
    currentSource = source;
    setEncoder({
      encoderStatus: 'ready',
      encoderInfo: info,
      encoderReport: report,
      epPolicy: policy,
      modelSource: description,
      pendingModel: null,
      loadProgress: null,
      encoderError: null,
      tryResult: old ? null : useStudio.getState().tryResult,
    });
    if (old) void old.dispose().catch(() => {});
    void refreshCacheStats();
  } catch (err) {
    void next.dispose().catch(() => {});
    if (signal.aborted || isAbort(err)) {
      if (!inFlight || inFlight.controller.signal === signal) setEncoder({ pendingModel: null, loadProgress: null, ...(client ? {} : { encoderStatus: 'idle' as const }) });
      return;
    }
    const modelError = { code: err instanceof ModelSourceError ? err.code : null, source: description, message: message(err) };
    setEncoder({
      pendingModel: null,
      loadProgress: null,
      modelError,
      ...(client ? {} : { encoderStatus: 'error' as const, encoderError: modelError.message, encoderInfo: null, encoderReport: null }),
    });
  }
}

/** Read the feature cache's counters into the store (an empty encode opens the cache and reports them). */
export async function refreshCacheStats(): Promise<void> {
  const c = client;
  if (!c) return;
  try {
    await c.encode([]);
    if (c === client) useStudio.getState().setEncoder({ cacheStats: c.cacheStats });
  } catch {
    // A cache that cannot open is reported by the encode that needs it; the strip just shows no numbers.
  }
}

/** Publish the client's cache counters when an encode elsewhere (training, prediction) changed them. */
export function syncCacheStats(): void {
  const stats = client?.cacheStats ?? null;
  const shown = useStudio.getState().cacheStats;
  if (stats && (!shown || stats.bytes !== shown.bytes || stats.entries !== shown.entries || stats.hits !== shown.hits || stats.misses !== shown.misses)) {
    useStudio.getState().setEncoder({ cacheStats: stats });
  }
}

/** Encode one text (or pair) and show its pooled vector; the feature cache makes a repeat a cache hit. */
export async function tryEncode(text: string, textPair?: string): Promise<void> {
  const { setEncoder } = useStudio.getState();
  const c = client;
  if (!c || useStudio.getState().encoderStatus !== 'ready') {
    setEncoder({ encoderError: 'The encoder is not loaded yet: wait for it to be ready, or load a model.' });
    return;
  }
  setEncoder({ encoderStatus: 'encoding', encoderError: null, encoderNotice: null });
  const t0 = performance.now();
  try {
    let cached = false;
    const [ex] = await c.encode([textPair === undefined ? { text } : { text, textPair }], {
      onProgress: (p) => {
        cached = p.cached > 0;
        setEncoder({ encodeProgress: p });
      },
      onNotice: (p) => {
        if (p.kind === 'warning') setEncoder({ encoderNotice: p.message });
      },
    });
    setEncoder({
      encoderStatus: 'ready',
      cacheStats: c.cacheStats,
      tryResult: { text, tokens: ex.length, pooled: Array.from(ex.pooled), ms: performance.now() - t0, cached },
    });
  } catch (err) {
    setEncoder({ encoderStatus: 'ready', encoderError: message(err) });
  }
}
