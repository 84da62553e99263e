// What loading an encoder reports, wherever it runs (the encoder worker sends these to the page): progress of the
// load or of an encode, and the loaded model's report. Design decision: encoder-module types — the store and the
// UI read them from here, never from the worker's protocol (src/worker/protocol.ts carries them).
import type { FileProgress } from './download';
import type { EncoderInfo, EncodeProgress } from './types';

/** Progress of a load (per-file bytes, then session creation) or of an encode. */
export type WorkerProgress =
  | ({ kind: 'download' } & FileProgress)
  | { kind: 'stage'; stage: 'fetching' | 'creating-session' | 'opening-cache'; detail?: string }
  | ({ kind: 'encode' } & EncodeProgress)
  /** Something the user should know that did not stop the work (e.g. no OPFS: encoding without the cache). */
  | { kind: 'warning'; message: string };

export interface LoadedReport {
  info: EncoderInfo;
  /** Runtime and EP in words, e.g. "onnxruntime-web wasm". */
  epDescription: string;
  /** The adapter "auto" looked at (null: no WebGPU), so the UI can say why this EP was picked. */
  adapter: { isFallbackAdapter: boolean; description: string } | null;
  /** onnxruntime-web's wasm thread count (env.wasm.numThreads after the session exists). */
  wasmThreads: number | null;
  /** Milliseconds for fetching the files and for creating the session. */
  fetchMs: number;
  sessionMs: number;
}
