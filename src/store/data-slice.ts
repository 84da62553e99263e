// The data slice: the dataset the studio trains on (`dataset`, the contract TRAIN reads), the file being set up
// (parsed train and dev files, column and split choices), parse progress, and the last data problem.
// Design decision: `dataset` only ever changes to a complete, valid dataset (data-workflows.ts assembles it and
// throws otherwise), so a bad file or a bad column choice shows `dataError` while the previous dataset stays
// usable; the draft (trainFile/devFile/columns/split) is what the user edits.
import type { StateCreator } from 'zustand';
import type { ParsedFile, ParseStage } from '../data/parsed-file';
import { DEFAULT_SPLIT, type ColumnChoice, type CurrentDataset, type FileReport, type SplitChoice } from './data-prep';

export type { CurrentDataset, ColumnChoice, SplitChoice, FileReport } from './data-prep';

/** Where the current dataset came from. */
export type DatasetOrigin = 'demo' | 'file' | 'paste';
/** The demo's size: 'small' = 600 train + 200 dev drawn from the corpus, 'full' = all 6,046 messages. */
export type DemoSize = 'small' | 'full';

/** A file being read and parsed in the worker. */
export interface ParseProgress {
  role: 'train' | 'dev';
  name: string;
  stage: ParseStage;
  /** 0..1 within the stage. */
  fraction: number;
  /** Bytes of the source. */
  size: number;
}

/** Why the last load or column/split choice was refused. `code` is the DataError code ('' for other errors). */
export interface DataProblem {
  code: string;
  message: string;
  /** 1-based lines the problem is about (may be empty). */
  lines: number[];
  /** Which step failed: reading the training file, the dev file, the demo, or building the dataset. */
  role: 'train' | 'dev' | 'demo' | 'build';
}

export interface DataSlice {
  /** The dataset in use (null until the demo or a file has loaded). Changes only to a valid dataset. */
  dataset: CurrentDataset | null;
  datasetOrigin: DatasetOrigin | null;
  /** Bumped on every change of `dataset` (TRAIN can key caches on it). */
  datasetVersion: number;
  /** Rows skipped or repaired in the files of the current dataset, per file, with line numbers. */
  datasetReport: FileReport[];
  demoSize: DemoSize;
  /** The training file being set up (the demo's JSONL when the demo is loaded), or null. */
  trainFile: ParsedFile | null;
  trainOrigin: DatasetOrigin | null;
  /** The dev file, when one is loaded. */
  devFile: ParsedFile | null;
  columns: ColumnChoice | null;
  split: SplitChoice;
  /** True when `dataset` was built from the draft as it is now; false while the draft has a problem. */
  draftInUse: boolean;
  parseProgress: ParseProgress | null;
  dataError: DataProblem | null;
  setData(patch: Partial<Omit<DataSlice, 'setData'>>): void;
}

export const createDataSlice: StateCreator<DataSlice, [], [], DataSlice> = (set) => ({
  dataset: null,
  datasetOrigin: null,
  datasetVersion: 0,
  datasetReport: [],
  demoSize: 'small',
  trainFile: null,
  trainOrigin: null,
  devFile: null,
  columns: null,
  split: DEFAULT_SPLIT,
  draftInUse: false,
  parseProgress: null,
  dataError: null,
  setData: (patch) => set(patch),
});
