// The encoder slice: which frozen encoder is loaded (name, hash, width, the execution provider that runs it and
// why), load and encode progress, feature-cache use, and the last "try it" result. Plain data only.
import type { StateCreator } from 'zustand';
import type { FeatureCacheStats } from '../encoder/feature-cache';
import type { EncoderInfo, EncodeProgress, EpPolicy } from '../encoder/types';
import type { LoadedReport, WorkerProgress } from '../worker/protocol';

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
  setEncoder: (patch) => set(patch),
});
