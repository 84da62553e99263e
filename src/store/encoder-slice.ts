// The encoder slice: which frozen encoder is loaded (name, hash, width, the execution provider that runs it and
// why), load and encode progress, feature-cache use, and the last "try it" result. Plain data only.
// Design decision: `encoderStatus`/`encoderInfo` describe the model that is *usable now*; a replacement being
// loaded lives in `pendingModel` (and its failure in `modelError`), so the old model keeps working until the
// new one is ready and stays when the new one fails.
import type { StateCreator } from 'zustand';
import type { FeatureCacheStats } from '../encoder/feature-cache';
import type { EncoderInfo, EncodeProgress, EpPolicy } from '../encoder/types';
import type { LoadedReport, WorkerProgress } from '../encoder/load-report';

export type EncoderStatus = 'idle' | 'loading' | 'ready' | 'encoding' | 'error';

export interface TryResult {
  text: string;
  tokens: number;
  /** The pooled vector (C). */
  pooled: number[];
  ms: number;
  /** True when the features came from the feature cache. */
  cached: boolean;
}

/** One file of a model being loaded: bytes so far (download, cache read or local file read). */
export interface ModelFileProgress {
  file: string;
  loaded: number;
  total: number | null;
  fromCache: boolean;
  done: boolean;
}

/** A model load in flight (the first one, or a replacement of the usable model). */
export interface PendingModel {
  /** The source in words ("use-lite (embedded)", "Xenova/all-MiniLM-L6-v2 @ main", "model.onnx (local files)"). */
  description: string;
  epPolicy: EpPolicy;
  /** Per-file progress, in the order files started. */
  files: ModelFileProgress[];
  /** The current stage in words (fetching, creating the session). */
  stage: string;
}

/** Why the last model load failed: a ModelSourceError's code (null for other errors) and its message. */
export interface ModelLoadError {
  code: string | null;
  /** Which source failed, in words. */
  source: string;
  message: string;
}

export interface EncoderSlice {
  encoderStatus: EncoderStatus;
  epPolicy: EpPolicy;
  encoderInfo: EncoderInfo | null;
  encoderReport: Omit<LoadedReport, 'info'> | null;
  loadProgress: WorkerProgress | null;
  encodeProgress: EncodeProgress | null;
  cacheStats: FeatureCacheStats | null;
  tryResult: TryResult | null;
  encoderError: string | null;
  encoderNotice: string | null;
  /** The usable model's source in words. */
  modelSource: string | null;
  pendingModel: PendingModel | null;
  modelError: ModelLoadError | null;
  setEncoder(patch: Partial<Omit<EncoderSlice, 'setEncoder'>>): void;
}

export const createEncoderSlice: StateCreator<EncoderSlice, [], [], EncoderSlice> = (set) => ({
  encoderStatus: 'idle',
  epPolicy: 'auto',
  encoderInfo: null,
  encoderReport: null,
  loadProgress: null,
  encodeProgress: null,
  cacheStats: null,
  tryResult: null,
  encoderError: null,
  encoderNotice: null,
  modelSource: null,
  pendingModel: null,
  modelError: null,
  setEncoder: (patch) => set(patch),
});
