// The messages between the main thread (encoder-client.ts) and the encoder Web Worker (encoder-worker.ts).
// Design decision: every request carries an `id` and every response names the request it answers, so load,
// encode, cancel and dispose can overlap; errors cross the boundary as plain data (name, message, code) and are
// rebuilt as the same classes on the other side (AbortError, ModelSourceError), because Error objects do not
// survive structured cloning with their class. Result arrays are transferred, not copied.
import type { EncodeInput } from '../encoder/encode';
import type { ModelSource } from '../encoder/sources';
import type { EncodedExample, EpPolicy } from '../encoder/types';
import type { FeatureCacheStats } from '../encoder/feature-cache';

export interface WorkerLoadOptions {
  /** Default "auto": wasm on a fallback (CPU) WebGPU adapter or without WebGPU, webgpu on a real GPU. */
  epPolicy?: EpPolicy;
  /** The adapter "auto" decides by, when the caller already knows it; else the worker asks navigator.gpu. */
  adapter?: { isFallbackAdapter: boolean } | null;
  /** Default token limit (clipped to the model's maxTokens). */
  tmax?: number;
  /** onnxruntime-web wasm threads (default: onnxruntime's choice; threads need cross-origin isolation). Fixed by the
   *  worker's first load: onnxruntime-web reads it once, when its wasm starts. */
  wasmThreads?: number;
  /** Re-download hub files even when they are in Cache Storage. */
  refresh?: boolean;
}

export interface WorkerEncodeOptions {
  tmax?: number;
  /** Use the feature cache (OPFS) for this call. Default true. */
  cache?: boolean;
  batchTokens?: number;
  maxBatch?: number;
}

export type WorkerRequest =
  | { type: 'load'; id: number; source: ModelSource; options: WorkerLoadOptions }
  | { type: 'encode'; id: number; inputs: EncodeInput[]; options: WorkerEncodeOptions }
  /** The token strings of each input, one per token row its encoding has (A's then B's for side-by-side pairs). */
  | { type: 'tokenize'; id: number; inputs: EncodeInput[]; options: { tmax?: number } }
  /** Cancel request `target` (a load or an encode); answered by that request's AbortError. */
  | { type: 'cancel'; id: number; target: number }
  | { type: 'dispose'; id: number }
  /** Empty the feature cache (OPFS). */
  | { type: 'clear-cache'; id: number };

export type { LoadedReport, WorkerProgress } from '../encoder/load-report';
import type { LoadedReport, WorkerProgress } from '../encoder/load-report';

export interface EncodedReport {
  examples: EncodedExample[];
  /** Feature-cache counters after this call (null when the cache was off or unavailable). */
  cache: FeatureCacheStats | null;
}

/** An error as data. `code` is a ModelSourceError's code. */
export interface WorkerError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type WorkerResponse =
  | { type: 'progress'; id: number; progress: WorkerProgress }
  | { type: 'loaded'; id: number; report: LoadedReport }
  | { type: 'encoded'; id: number; report: EncodedReport }
  | { type: 'tokenized'; id: number; tokens: string[][] }
  | { type: 'disposed'; id: number }
  | { type: 'cache-cleared'; id: number; stats: FeatureCacheStats | null }
  | { type: 'error'; id: number; error: WorkerError };

/** Error -> WorkerError (keeps name, message, a ModelSourceError's code and the stack). */
export function errorToData(err: unknown): WorkerError {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const e = err as Error & { code?: unknown };
    return { name: e.name || 'Error', message: String(e.message), code: typeof e.code === 'string' ? e.code : undefined, stack: e.stack };
  }
  return { name: 'Error', message: String(err) };
}

/** The ArrayBuffers of a batch of examples, each once (a duplicate in a transfer list throws), never a SharedArrayBuffer. */
export function transferablesOf(examples: readonly EncodedExample[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const ex of examples) {
    for (const a of [ex.tokens, ex.pooled, ex.pooledB]) {
      if (a && a.buffer instanceof ArrayBuffer) seen.add(a.buffer);
    }
  }
  return [...seen];
}
