// The train slice: the head and settings the user picked, the label texts and the zero-shot accuracy they give,
// encoding progress, the live run (a RunRecord with stoppedBy 'running', republished a few times a second), and
// the dev predictions of the head a run ended with (for the results panel). Design decision: plain data only —
// the encoded features and the GPU head live in encoded-sets.ts / active-head.ts, never in the store.
import type { StateCreator } from 'zustand';
import type { HeadKind } from '../heads/registry';
import type { EncodeProgress } from '../encoder/types';
import type { Metrics } from '../train/metrics';
import type { DecayKind } from '../train/schedule';
import type { ZeroShotScore } from '../train/zero-shot-eval';
import type { RunSizingView } from './default-sizing';
import type { RunRecord } from './run-record';

/** A run's cost measured from real steps before it starts (src/train/estimate.ts). */
export interface RunEstimateView {
  runId: string;
  stepSeconds: number;
  totalSeconds: number;
  /** A train sample that trains in about a minute at that speed, or null when the run already does. */
  proposal: number | null;
}

export type TrainStatus = 'idle' | 'encoding' | 'training' | 'paused' | 'done' | 'error';

/** What the form edits (the advanced panel's fields); the trainer's other options keep their defaults. */
export interface TrainForm {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** Fraction of all steps spent warming up. */
  warmupFraction: number;
  decay: DecayKind;
  labelSmoothing: number;
  /** Epochs without a better dev score before stopping (0 = never). */
  patience: number;
  seed: number;
  /** Token rows per example (clipped to the encoder's limit). */
  tmax: number;
  /** Stratified sample sizes (0 = all examples): a quick first run on a CPU adapter. */
  maxTrain: number;
  maxDev: number;
  /** Class weights (issue 13): '' none, 'auto' (inverse frequency), or 'name=w,...' (./run-task.ts). */
  classWeights?: string;
}

/** Where encoding is: which set, and the encoder's own progress (texts/s, ETA, cache hits). */
export interface EncodeStage {
  set: 'dev' | 'train' | 'labels';
  progress: EncodeProgress;
}

/** The last encode of the sets a run uses: how many texts, how many the feature cache served, how long. */
export interface EncodeSummary {
  texts: number;
  cached: number;
  seconds: number;
}

export interface ZeroShotPreview extends ZeroShotScore {
  /** The label texts it was computed for. */
  labelTexts: string[];
}

/** Dev-set predictions of the head a run ended with (best checkpoint restored). */
export interface TrainResults {
  runId: string;
  labels: string[];
  metrics: Metrics;
  /** (N, L) logits, row-major, as plain numbers. */
  logits: number[];
  targets: number[];
  /** Multi-label runs: every dev example's labels (`targets` then holds each first label). */
  targetSets?: number[][];
  /** The dev texts (and second texts of pairs), same order. */
  texts: string[];
  textPairs: (string | null)[];
}

export interface TrainSlice {
  trainStatus: TrainStatus;
  headKind: HeadKind;
  trainForm: TrainForm;
  /** Text encoded for each label's seed (one per label of the dataset); defaults to the label names. */
  labelTexts: string[];
  /** The labels `labelTexts` belong to (reset when the dataset's labels change). */
  labelTextsFor: string[];
  zeroShot: ZeroShotPreview | null;
  zeroShotBusy: boolean;
  zeroShotError: string | null;
  encodeStage: EncodeStage | null;
  encodeSummary: EncodeSummary | null;
  /** Measured before a run on a CPU (fallback) adapter: a step's time, the run's cost, a sample that trains in ~1 min. */
  runEstimate: RunEstimateView | null;
  /** The default demo run sized to the adapter before its first run (./default-sizing.ts). */
  runSizing: RunSizingView | null;
  /** The run in progress or the last one (stoppedBy 'running' while it runs). */
  run: RunRecord | null;
  /** Why the last run stopped, or what went wrong (for the user). */
  trainMessage: string | null;
  trainError: string | null;
  results: TrainResults | null;
  setTrain(patch: Partial<Omit<TrainSlice, 'setTrain'>>): void;
}

export const DEFAULT_TRAIN_FORM: TrainForm = {
  epochs: 10,
  batchSize: 32,
  lr: 1e-3,
  weightDecay: 0.01,
  warmupFraction: 0.06,
  decay: 'linear',
  labelSmoothing: 0,
  patience: 3,
  seed: 0,
  tmax: 128,
  maxTrain: 0,
  maxDev: 0,
};

export const createTrainSlice: StateCreator<TrainSlice, [], [], TrainSlice> = (set) => ({
  trainStatus: 'idle',
  headKind: 'ytuning',
  trainForm: DEFAULT_TRAIN_FORM,
  labelTexts: [],
  labelTextsFor: [],
  zeroShot: null,
  zeroShotBusy: false,
  zeroShotError: null,
  encodeStage: null,
  encodeSummary: null,
  runEstimate: null,
  runSizing: null,
  run: null,
  trainMessage: null,
  trainError: null,
  results: null,
  setTrain: (patch) => set(patch),
});
