// Pure steps between parsed files and the dataset the studio trains on: default columns, the train/dev
// assembly (automatic stratified split or a dev file aligned to the training labels), the demo subset, the
// label-count bars and the skipped-row report. No store, no DOM: unit-tested directly.
// Design decision: assembleDataset() either returns a complete, valid CurrentDataset or throws a DataError —
// there is no half-built state — so the workflow can keep the previous dataset until a new one is valid.
import { guessColumns } from '../data/columns';
import { buildDataset } from '../data/dataset';
import type { LabelSep } from '../data/multi-label';
import { DataError, summarizeIssues, type DataIssue, type IssueSummary } from '../data/errors';
import { splitDataset } from '../data/split';
import { sampleDataset } from '../train/subset';
import type { Dataset, DatasetColumns, ParsedTable } from '../data/types';

/** The dataset the Train step reads (the data slice's `dataset`): labels identical between train and dev. */
export interface CurrentDataset {
  name: string;
  train: Dataset;
  dev: Dataset;
  devSource: 'split' | 'file';
  pair: boolean;
}

/** The user's column choice; '' = not chosen (guessed when possible), textPair null = a single-text task. */
export interface ColumnChoice {
  text: string;
  textPair: string | null;
  label: string;
  /**
   * Labels per row (issue 13): 'auto' (default) detects a multi-label column (src/data/multi-label.ts), 'single'
   * reads every cell as one label, 'multi' several labels per row (`labelSep`, else detected, else ',').
   */
  labelMode?: 'auto' | 'single' | 'multi';
  labelSep?: LabelSep;
  /** Multi-label as one 0/1 column per label: these columns (then `label` is ignored). */
  labelColumns?: string[];
  /** Label names by id (a labels.txt: item i names id i); label cells then hold ids or these names. */
  labelNames?: string[];
}

export interface SplitChoice {
  /** 'split': a stratified, seeded share of the training file; 'file': the dev file. */
  mode: 'split' | 'file';
  /** Share of the training file that goes to dev in 'split' mode, in (0, 1). */
  fraction: number;
  seed: number;
}

export const DEFAULT_SPLIT: SplitChoice = { mode: 'split', fraction: 0.1, seed: 0 };

/**
 * The demo's first-run size: 800 messages drawn stratified (seeded) from the 6,046, split 600 train / 200 dev.
 * Why: on a CPU-only machine (SwiftShader WebGPU, wasm encoder) encoding 800 mails takes well under a minute and
 * a head epoch is 19 steps, so the first press of Train shows moving charts at once; 200 dev examples still
 * measure accuracy to 0.5 points, and the corpus's 69/31 ham/spam balance is kept.
 */
export const DEMO_SMALL_SAMPLE = 800;
export const DEMO_SMALL_SPLIT: SplitChoice = { mode: 'split', fraction: 0.25, seed: 0 };

/** Rewrites the CLI's flag hints ("(--label COLUMN)") in data-module messages into the studio's words. */
export function forStudio(message: string): string {
  return message
    .replace(/\s*\(--text-pair COLUMN\)/g, ' (the "second text" menu)')
    .replace(/\s*\(--text COLUMN\)/g, ' (the "text" menu)')
    .replace(/\s*\(--label COLUMN\)/g, ' (the "label" menu)');
}

/** Columns to start from: guessColumns()'s, or none chosen when it finds no label/text column. */
export function defaultColumns(table: ParsedTable): ColumnChoice {
  try {
    const g = guessColumns(table);
    return { text: g.text, textPair: g.textPair ?? null, label: g.label };
  } catch (err) {
    if (err instanceof DataError && (err.code === 'no-label-column' || err.code === 'no-text-column')) return { text: '', textPair: null, label: '' };
    throw err;
  }
}

/** The label-reading options of a choice; `like` (a dev file) reads its labels as the training set does. */
function labelRead(c: ColumnChoice, like?: Dataset) {
  const cols = c.labelColumns?.length ? c.labelColumns : undefined;
  const multiLabel = like ? !!like.multiLabel : cols ? true : c.labelMode === 'single' ? false : c.labelMode === 'multi' ? true : undefined;
  const labelSep = like ? like.labelSep : multiLabel === false ? undefined : c.labelSep;
  return { multiLabel, ...(labelSep ? { labelSep } : {}), ...(cols ? { labelColumns: cols } : {}), ...(c.labelNames?.length ? { labelNames: c.labelNames } : {}) };
}

function build(table: ParsedTable, c: ColumnChoice, labelOrder?: readonly string[], like?: Dataset): Dataset {
  return buildDataset(table, {
    textColumn: c.text || undefined,
    labelColumn: c.labelColumns?.length ? undefined : c.label || undefined,
    textPairColumn: c.text ? c.textPair : c.textPair === null ? undefined : c.textPair,
    labelOrder,
    ...labelRead(c, like),
  });
}

/**
 * The training columns, found in the dev file: by name; else, when both files have the same number of
 * columns, by position (a dev file without the header line); else a DataError naming the missing column.
 */
export function devColumns(trainTable: ParsedTable, devTable: ParsedTable, cols: DatasetColumns, devName: string): ColumnChoice {
  const names = [cols.text, cols.textPair, cols.label];
  const mapped = names.map((n) => {
    if (n === undefined) return undefined;
    if (devTable.columns.includes(n)) return n;
    if (devTable.columns.length === trainTable.columns.length) return devTable.columns[trainTable.columns.indexOf(n)];
    throw new DataError(
      'unknown-column',
      `The dev file '${devName}' has no column '${n}' (its columns: ${devTable.columns.slice(0, 12).join(', ')}), and its column count (${devTable.columns.length}) differs from the training file's (${trainTable.columns.length}). Give the dev file the same columns as the training file.`,
    );
  });
  return { text: mapped[0]!, textPair: mapped[1] ?? null, label: mapped[2] ?? '' };
}

export interface AssembleInput {
  name: string;
  train: ParsedTable;
  dev: { name: string; table: ParsedTable } | null;
  columns: ColumnChoice;
  split: SplitChoice;
  /** With an automatic split: first draw a stratified sample of this many examples (the demo's first-run size). */
  sample?: number;
}

/** Builds the train and dev sets. Throws DataError (messages in the studio's words; dev ones name the dev file). */
export function assembleDataset(input: AssembleInput): CurrentDataset {
  try {
    return assemble(input);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(err.code, forStudio(err.message), err.lines);
    throw err;
  }
}

function assemble({ name, train: table, dev, columns, split, sample }: AssembleInput): CurrentDataset {
  if (table.rows.length < 2) {
    const what = table.rows.length === 0 ? 'has no data rows' : 'has only one data row';
    throw new DataError('too-few-examples', `The file ${what}: a classifier needs examples of at least two labels, and a few more to check it on. Add examples (a few dozen per label is a good start).`, table.lines.slice(0, 1));
  }
  let full = build(table, columns);
  const pair = full.columns.textPair !== undefined;
  if (split.mode === 'file') {
    if (!dev) throw new DataError('bad-option', 'Dev set "from a file" is chosen but no dev file is loaded: drop one on the dev zone, or switch to an automatic split.');
    let devSet: Dataset;
    try {
      const dc = devColumns(table, dev.table, full.columns, dev.name);
      devSet = build(dev.table, { ...columns, ...dc }, full.labels, full);
    } catch (err) {
      if (err instanceof DataError) throw new DataError(err.code, `Dev file '${dev.name}': ${err.message}`, err.lines);
      throw err;
    }
    return { name, train: full, dev: devSet, devSource: 'file', pair };
  }
  if (sample !== undefined) full = sampleDataset(full, sample, split.seed);
  const { train, dev: devSplit } = splitDataset(full, { devFraction: split.fraction, seed: split.seed });
  return { name, train, dev: devSplit, devSource: 'split', pair };
}

export interface LabelBar {
  label: string;
  train: number;
  dev: number;
}

/** Label counts for the chart, most frequent first; past `max` bars the rest are summed as "N others". */
export function labelBars(ds: CurrentDataset, max = 24): LabelBar[] {
  const bars = ds.train.labels.map((label, k) => ({ label, train: ds.train.counts[k], dev: ds.dev.counts[k] ?? 0 }));
  if (bars.length <= max) return bars;
  const sorted = [...bars].sort((a, b) => b.train + b.dev - (a.train + a.dev));
  const shown = sorted.slice(0, max - 1);
  const rest = sorted.slice(max - 1);
  shown.push({ label: `${rest.length} others`, train: rest.reduce((s, b) => s + b.train, 0), dev: rest.reduce((s, b) => s + b.dev, 0) });
  return shown;
}

/** What was left out or repaired, per file: parse issues (ragged rows, bad JSON lines) and skipped rows. */
export interface FileReport {
  file: string;
  role: 'train' | 'dev';
  /** Rows with a problem (skipped or repaired). */
  count: number;
  summaries: IssueSummary[];
}

export function rowReports(ds: CurrentDataset, trainFile: { name: string; issues: readonly DataIssue[] }, devFile: { name: string; issues: readonly DataIssue[] } | null): FileReport[] {
  const out: FileReport[] = [];
  const add = (file: string, role: 'train' | 'dev', issues: DataIssue[]) => {
    if (issues.length) out.push({ file, role, count: issues.length, summaries: summarizeIssues([...issues].sort((a, b) => a.line - b.line)) });
  };
  add(trainFile.name, 'train', [...trainFile.issues, ...ds.train.skipped]);
  if (ds.devSource === 'file' && devFile) add(devFile.name, 'dev', [...devFile.issues, ...ds.dev.skipped]);
  return out;
}
