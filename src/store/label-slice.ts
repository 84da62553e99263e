// The labelling slice: what the Label step draws — the session (texts, labels, the action log; kept in
// IndexedDB by label-db.ts), the row asked now with the head's probabilities for it, and the work in progress.
// Plain data only; label-workflows.ts does the work. Design decision: features and the full (N, L)
// probability table stay outside the store (label-workflows.ts), only the current row's probabilities are here.
import type { StateCreator } from 'zustand';
import type { DevCurve } from '../train/active/dev-score';
import type { LabelSession } from '../train/active/session';

export type LabelStatus = 'idle' | 'encoding' | 'ready' | 'error';

export interface LabelSlice {
  labelSession: LabelSession | null;
  labelStatus: LabelStatus;
  /** Why the last action failed (shown beside the step; the session is kept). */
  labelError: string | null;
  /** Texts encoded / total while the session's texts are encoded. */
  labelEncode: { done: number; total: number } | null;
  /** The row asked now (null: nothing left, or not ready). */
  labelCurrent: number | null;
  /** The head's probabilities for the current row (null before any head: no labels, no label texts). */
  labelCurrentProbs: number[] | null;
  /** What ranks the rows now: 'zero-shot' (label texts), 'probe' (trained on the labels), or 'order' (file order). */
  labelRanker: 'order' | 'zero-shot' | 'probe';
  /** Retrains of the probe so far in this page (the learning curve has one point per retrain). */
  labelRetrains: number;
  labelRetraining: boolean;
  /** The learning curve on the dev rows (null until the texts are encoded). */
  labelCurve: DevCurve | null;
  /** A label/skip/undo is not yet written to IndexedDB (the page says so: closing it now could lose it). */
  labelSaving: boolean;
  setLabel: (patch: Partial<Omit<LabelSlice, 'setLabel'>>) => void;
}

export const createLabelSlice: StateCreator<LabelSlice, [], [], LabelSlice> = (set) => ({
  labelSession: null,
  labelStatus: 'idle',
  labelError: null,
  labelEncode: null,
  labelCurrent: null,
  labelCurrentProbs: null,
  labelRanker: 'order',
  labelRetrains: 0,
  labelRetraining: false,
  labelCurve: null,
  labelSaving: false,
  setLabel: (patch) => set(patch),
});
