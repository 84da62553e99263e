// Main-thread side of the encoder Web Worker: a promise API with the shape of Encoder (load / encode / cancel /
// dispose) for the store, with progress callbacks and AbortSignals. Requests and responses are protocol.ts.
// Design decision: the client owns the request ids and a table of pending promises; every response settles
// exactly one of them, errors come back as the classes they were in the worker (AbortError as a DOMException,
// ModelSourceError with its code), and a worker that dies (script error) rejects everything still pending
// with a message saying so instead of leaving promises hanging.
import type { EncodeInput } from '../encoder/encode';
import type { FeatureCacheStats } from '../encoder/feature-cache';
import { ModelSourceError, type ModelSourceErrorCode } from '../encoder/model-check';
import type { ModelSource } from '../encoder/sources';
import type { EncodedExample, EncoderInfo, EncodeProgress } from '../encoder/types';
import type {
  EncodedReport,
  LoadedReport,
  WorkerEncodeOptions,
  WorkerError,
  WorkerLoadOptions,
  WorkerProgress,
  WorkerRequest,
  WorkerResponse,
} from './protocol';

/** What the client needs of a Worker (a real one in the browser; a fake in tests). */
export interface WorkerLike {
  postMessage(message: WorkerRequest): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerResponse>) => void): void;
  addEventListener(type: 'error', listener: (ev: ErrorEvent) => void): void;
  terminate(): void;
}

export interface ClientLoadOptions extends WorkerLoadOptions {
  /** Download progress per file, then stages (creating the session), and warnings. */
  onProgress?: (p: WorkerProgress) => void;
  signal?: AbortSignal;
}

export interface ClientEncodeOptions extends WorkerEncodeOptions {
  onProgress?: (p: EncodeProgress) => void;
  /** Warnings and stages of this call (e.g. the feature cache is unavailable). */
  onNotice?: (p: WorkerProgress) => void;
  signal?: AbortSignal;
}

interface Pending {
  type: WorkerRequest['type'];
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  onProgress?: (p: WorkerProgress) => void;
  cleanup?: () => void;
}

/** Start the encoder worker (Vite bundles encoder-worker.ts as a module worker). */
export function startEncoderWorker(): Worker {
  return new Worker(new URL('./encoder-worker.ts', import.meta.url), { type: 'module', name: 'labeltune-encoder' });
}

/** Rebuild an error that crossed the worker boundary as data. */
export function errorFromData(e: WorkerError): Error {
  if (e.name === 'AbortError') return new DOMException(e.message, 'AbortError');
  if (e.name === 'ModelSourceError' && e.code) return new ModelSourceError(e.code as ModelSourceErrorCode, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

export class EncoderClient {
  /** The loaded model (null before load() resolves and after dispose()). */
  info: EncoderInfo | null = null;
  /** The last load's report: EP in words, the adapter "auto" looked at, timings. */
  report: LoadedReport | null = null;
  /** Feature-cache counters after the last encode (null when the cache was off/unavailable). */
  cacheStats: FeatureCacheStats | null = null;

  private readonly worker: WorkerLike;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;

  constructor(worker: WorkerLike = startEncoderWorker()) {
    this.worker = worker;
    worker.addEventListener('message', (ev) => this.onMessage(ev.data));
    worker.addEventListener('error', (ev) => {
      this.fail(new Error(`The encoder worker failed: ${ev.message || 'its script could not be loaded or threw at start-up'}` +
        (ev.filename ? ` (${ev.filename}:${ev.lineno})` : '')));
    });
  }

  /** Load a model source in the worker (replacing any loaded model). */
  async load(source: ModelSource, opts: ClientLoadOptions = {}): Promise<LoadedReport> {
    const { onProgress, signal, ...options } = opts;
    this.info = null;
    const report = (await this.request({ type: 'load', source, options }, signal, onProgress)) as LoadedReport;
    this.info = report.info;
    this.report = report;
    return report;
  }

  /** Encode inputs in order; Float32Arrays arrive transferred from the worker (no copy). */
  async encode(inputs: readonly EncodeInput[], opts: ClientEncodeOptions = {}): Promise<EncodedExample[]> {
    const { onProgress, onNotice, signal, ...options } = opts;
    const plain = inputs.map((i) => (i.textPair === undefined ? { text: i.text } : { text: i.text, textPair: i.textPair }));
    const report = (await this.request({ type: 'encode', inputs: plain, options }, signal, (p) => {
      if (p.kind === 'encode') {
        const { kind: _kind, ...progress } = p;
        onProgress?.(progress);
      } else onNotice?.(p);
    })) as EncodedReport;
    this.cacheStats = report.cache;
    return report.examples;
  }

  /** Token strings of each input, one per token row of its encoding (same Tmax rule as encode). */
  async tokenize(inputs: readonly EncodeInput[], opts: { tmax?: number } = {}): Promise<string[][]> {
    const plain = inputs.map((i) => (i.textPair === undefined ? { text: i.text } : { text: i.text, textPair: i.textPair }));
    return (await this.request({ type: 'tokenize', inputs: plain, options: { tmax: opts.tmax } })) as string[][];
  }

  /** Empty the worker's feature cache. */
  async clearCache(): Promise<FeatureCacheStats | null> {
    return (await this.request({ type: 'clear-cache' })) as FeatureCacheStats | null;
  }

  /** Cancel every load and encode in flight (each rejects with an AbortError). */
  cancel(): void {
    for (const [id, p] of this.pending) {
      if (p.type === 'load' || p.type === 'encode') this.post({ type: 'cancel', id: this.nextId++, target: id });
    }
  }

  /** Release the model and the feature cache in the worker, then stop the worker. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.dead) return;
    try {
      await this.request({ type: 'dispose' });
    } finally {
      this.info = null;
      this.worker.terminate();
      this.fail(new Error('The encoder client was disposed.'));
    }
  }

  private post(req: WorkerRequest): void {
    this.worker.postMessage(req);
  }

  private request(req: DistributiveOmit<WorkerRequest, 'id'>, signal?: AbortSignal, onProgress?: (p: WorkerProgress) => void): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    signal?.throwIfAborted();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: Pending = { type: req.type, resolve, reject, onProgress };
      if (signal) {
        const onAbort = () => this.post({ type: 'cancel', id: this.nextId++, target: id });
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, entry);
      this.post({ ...req, id } as WorkerRequest);
    });
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.cleanup?.();
    fn(p);
  }

  private onMessage(msg: WorkerResponse): void {
    switch (msg.type) {
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.progress);
        break;
      case 'loaded':
        this.settle(msg.id, (p) => p.resolve(msg.report));
        break;
      case 'encoded':
        this.settle(msg.id, (p) => p.resolve(msg.report));
        break;
      case 'tokenized':
        this.settle(msg.id, (p) => p.resolve(msg.tokens));
        break;
      case 'cache-cleared':
        this.settle(msg.id, (p) => p.resolve(msg.stats));
        break;
      case 'disposed':
        this.settle(msg.id, (p) => p.resolve(undefined));
        break;
      case 'error':
        this.settle(msg.id, (p) => p.reject(errorFromData(msg.error)));
        break;
    }
  }

  /** Reject everything pending and refuse further requests. */
  private fail(err: Error): void {
    this.dead ??= err;
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(err));
  }
}

/** Omit over each member of a union (TypeScript's Omit collapses unions). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
