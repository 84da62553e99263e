// The use slice: what the Use and History panels show — the playground's last prediction (with the Y-Tuning
// attention view), the batch prediction of a dropped file, export/import state and messages, and the run history
// read from IndexedDB with the runs picked for comparison. Plain data only; use-workflows.ts lists who does the work.
// Design decision: big per-row results (every probability of a batch file) stay in batch-predict.ts, outside the
// store; the slice holds only what is drawn (a preview) so a 50,000-row file never re-renders the page per row.
import type { StateCreator } from 'zustand';
import type { RunRecord } from './run-record';
import type { PredictColumns } from './predict-columns';

/** Which tokens each label attended to (Y-Tuning heads): token strings and head-averaged weights. */
export interface AttentionView {
  /** Token strings, one per token row of the encoding (A's then B's for pairs encoded side by side). */
  tokens: string[];
  /** perLabel[l][t]: label l's weight on token t (mean over attention heads). */
  perLabel: number[][];
  /** pooled[l]: label l's weight on the pooled sentence token (the rest of its attention). */
  pooled: number[];
}

export interface PlaygroundResult {
  /** The active head it was computed with (ActiveHeadInfo.id): a result of a replaced head is not shown. */
  headId: string;
  text: string;
  textPair?: string;
  labels: string[];
  /** The text each label's seed was encoded from (the head's label texts; the names when none were given). */
  labelTexts: string[];
  /** Softmax over the head's logits (length L). */
  probs: number[];
  /** Index of the most probable label. */
  predicted: number;
  /** Multi-label heads: the predicted labels (indices, p >= the label's threshold) and those thresholds. */
  predictedSet?: number[];
  thresholds?: number[];
  attention: AttentionView | null;
  /** Why there is no attention view (not a Y-Tuning head, or it could not be read), or null. */
  attentionNote: string | null;
  /** Milliseconds for encode + head forward. */
  ms: number;
}

export interface BatchPreviewRow {
  text: string;
  textPair?: string;
  predicted: string;
  /** The predicted label's text (its name when it has none). */
  predictedText?: string;
  /** Probability of the predicted label. */
  confidence: number;
}

export interface BatchState {
  /** The active head the predictions came from (null before a run). */
  headId: string | null;
  fileName: string;
  /** The file's columns and the ones read as text(s). */
  columns: string[];
  chosen: PredictColumns;
  /** Rows to predict: the file's rows that have a text in the chosen column(s). */
  rows: number;
  /** Sentences about the file (detected format, rows left out with their lines). */
  notes: string[];
  status: 'ready' | 'encoding' | 'predicting' | 'done' | 'error';
  progress: { done: number; total: number } | null;
  /** The first predicted rows. */
  preview: BatchPreviewRow[];
  /** Predicted rows per label (same order as the head's labels), when done. */
  counts: number[] | null;
  labels: string[];
  /** Predictions that match the chosen label column, when one is chosen and the run is done. */
  accuracy: { correct: number; total: number } | null;
  seconds: number | null;
  error: string | null;
}

export type ExportKind = 'safetensors' | 'head-onnx' | 'combined-onnx';

export interface UseSlice {
  playBusy: boolean;
  playResult: PlaygroundResult | null;
  playError: string | null;

  batch: BatchState | null;
  /** A dropped file that could not be read at all (empty, binary, no text column). */
  batchFileError: string | null;

  exportBusy: ExportKind | null;
  exportError: string | null;
  /** Last download made, in words ("Saved sst2-ytuning.safetensors (41 kB)"). */
  exportNotice: string | null;

  importBusy: boolean;
  /** Why the last import was refused (a head for another encoder, a broken file...): the current head stays. */
  importError: string | null;
  importNotice: string | null;

  history: RunRecord[];
  /** One sentence per stored record that was skipped (old or broken). */
  historySkipped: string[];
  historyError: string | null;
  historyLoaded: boolean;
  /** The last thing the run history could not keep (a head over the budget, a full quota, a failed save). */
  keepNotice: string | null;
  /** Head files kept in the history (bytes) and the budget (bytes). */
  headUsage: { used: number; budget: number } | null;
  /** A History row's "Use this head" in progress (run id), and why the last one failed. */
  useHeadBusy: string | null;
  useHeadError: { id: string; message: string } | null;
  /** Runs picked for the side-by-side comparison (ids, in pick order). */
  compareIds: string[];

  setUse(patch: Partial<Omit<UseSlice, 'setUse'>>): void;
}

export const createUseSlice: StateCreator<UseSlice, [], [], UseSlice> = (set) => ({
  playBusy: false,
  playResult: null,
  playError: null,
  batch: null,
  batchFileError: null,
  exportBusy: null,
  exportError: null,
  exportNotice: null,
  importBusy: false,
  importError: null,
  importNotice: null,
  history: [],
  historySkipped: [],
  historyError: null,
  historyLoaded: false,
  keepNotice: null,
  headUsage: null,
  useHeadBusy: null,
  useHeadError: null,
  compareIds: [],
  setUse: (patch) => set(patch),
});
