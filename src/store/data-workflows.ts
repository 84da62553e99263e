// Data workflows: load the demo at page start, read dropped/picked/pasted training and dev files in the parsing
// worker, and rebuild the dataset when the user changes columns, the dev split or how a file is read.
// Design decisions:
// - Every step that could fail does so before the store changes: a file that does not parse leaves the draft
//   and the dataset as they were; a draft that does not assemble (one class, unseen dev labels...) shows its
//   DataError while `dataset` keeps the last valid one. Nothing the user had is lost to a bad input.
// - The sources (File objects, pasted text) stay here, outside the store, so a file can be read again with
//   other options (header on/off, delimiter) without asking the user for it again.
// - A newer load of the same role supersedes an older one still parsing: its result, or error, is dropped.
//   Only the Cancel button aborts (that restarts the worker, which is the only way to stop a synchronous parse).
import { DataError, fmtCount } from '../data/errors';
import { ParseClient } from '../worker/parse-client';
import type { FileReadOptions, ParsedFile } from '../data/parsed-file';
import {
  assembleDataset,
  defaultColumns,
  DEFAULT_SPLIT,
  DEMO_SMALL_SAMPLE,
  DEMO_SMALL_SPLIT,
  rowReports,
  type ColumnChoice,
  type SplitChoice,
} from './data-prep';
import type { DataProblem, DataSlice, DatasetOrigin, DemoSize } from './data-slice';
import { useStudio } from './store';

export const DEMO_FILE = 'spam-assassin.jsonl';
const DEMO_NAME = 'SpamAssassin demo';

type Role = 'train' | 'dev';
type Source = Blob | string;

let client: ParseClient | null = null;
const sources: Record<Role, { source: Source; name: string } | null> = { train: null, dev: null };
const tokens: Record<Role, number> = { train: 0, dev: 0 };
const controllers: Record<Role, AbortController | null> = { train: null, dev: null };
let demoFile: ParsedFile | null = null;
/** The draft the current dataset was built from: a rejected training file gives the preview back to it. */
let inUse: { draft: Pick<DataSlice, 'trainFile' | 'trainOrigin' | 'devFile' | 'columns' | 'split' | 'demoSize'>; sources: typeof sources.train[] } | null = null;

/** Errors the user fixes by choosing columns in the draft: the new file stays on screen for that. */
const COLUMN_CODES = new Set(['unknown-column', 'no-text-column', 'no-label-column', 'one-class', 'too-many-labels']);

/**
 * A new training file was rejected (unreadable, or a dataset that no column choice fixes): the draft goes back to
 * the file in use, so the preview shows what the studio trains on, and the problem banner names the rejected file.
 */
function backToInUse(): void {
  if (!inUse) return;
  [sources.train, sources.dev] = inUse.sources;
  useStudio.getState().setData({ ...inUse.draft, draftInUse: true });
}
let demoLoading: Promise<void> | null = null;

function parser(): ParseClient {
  return (client ??= new ParseClient());
}

function problem(err: unknown, role: DataProblem['role']): DataProblem {
  if (err instanceof DataError) return { code: err.code, message: err.message, lines: [...err.lines], role };
  if (err instanceof DOMException && err.name === 'AbortError') return { code: 'cancelled', message: err.message, lines: [], role };
  return { code: '', message: err instanceof Error ? err.message : String(err), lines: [], role };
}

/** Reads and parses a source in the worker with progress in the store; null when superseded or cancelled. */
async function parseInto(role: Role, source: Source, name: string, override?: Partial<FileReadOptions>): Promise<ParsedFile | null> {
  const token = ++tokens[role];
  const ctrl = new AbortController();
  controllers[role] = ctrl;
  const size = typeof source === 'string' ? source.length : source.size;
  const { setData } = useStudio.getState();
  setData({ parseProgress: { role, name, stage: 'reading', fraction: 0, size } });
  try {
    const file = await parser().parse(source, name, {
      override,
      signal: ctrl.signal,
      onProgress: (stage, fraction) => {
        if (tokens[role] === token) setData({ parseProgress: { role, name, stage, fraction, size } });
      },
    });
    return tokens[role] === token ? file : null;
  } catch (err) {
    if (tokens[role] !== token) return null;
    throw err;
  } finally {
    if (tokens[role] === token) {
      controllers[role] = null;
      setData({ parseProgress: null });
    }
  }
}

/** The dataset's name in the status line. */
function datasetName(origin: DatasetOrigin, train: ParsedFile, dev: ParsedFile | null, demoSize: DemoSize, total: number): string {
  if (origin === 'demo') return demoSize === 'small' ? `${DEMO_NAME} (${fmtCount(DEMO_SMALL_SAMPLE)} of ${fmtCount(total)} messages)` : `${DEMO_NAME} (all ${fmtCount(total)} messages)`;
  return dev ? `${train.name} + ${dev.name}` : train.name;
}

/**
 * Assembles the draft (training file, dev file, columns, split) into the dataset. On success it becomes the
 * current dataset and the error clears; on failure the error is shown and the current dataset stays.
 */
export function rebuildDataset(): boolean {
  const s = useStudio.getState();
  if (!s.trainFile || !s.columns || !s.trainOrigin) return false;
  const origin = s.trainOrigin;
  const demoSmall = origin === 'demo' && s.demoSize === 'small';
  try {
    const dev = s.split.mode === 'file' && s.devFile ? s.devFile : null;
    const ds = assembleDataset({
      name: datasetName(origin, s.trainFile, dev, s.demoSize, s.trainFile.table.rows.length),
      train: s.trainFile.table,
      dev: dev ? { name: dev.name, table: dev.table } : null,
      columns: s.columns,
      split: s.split,
      sample: demoSmall ? DEMO_SMALL_SAMPLE : undefined,
    });
    const c = ds.train.columns;
    s.setData({
      dataset: ds,
      datasetOrigin: origin,
      datasetVersion: s.datasetVersion + 1,
      datasetReport: rowReports(ds, { name: s.trainFile.name, issues: s.trainFile.table.issues }, dev ? { name: dev.name, issues: dev.table.issues } : null),
      columns: { ...s.columns, text: c.text, textPair: c.textPair ?? null, label: c.label },
      draftInUse: true,
      dataError: null,
    });
    const now = useStudio.getState();
    inUse = {
      draft: { trainFile: now.trainFile, trainOrigin: now.trainOrigin, devFile: now.devFile, columns: now.columns, split: now.split, demoSize: now.demoSize },
      sources: [sources.train, sources.dev],
    };
    return true;
  } catch (err) {
    s.setData({ dataError: problem(err, 'build'), draftInUse: false });
    return false;
  }
}

/** Loads the demo (fetched once, parsed in the worker) as the training file, at `size`. */
export async function loadDemo(size: DemoSize = useStudio.getState().demoSize): Promise<void> {
  const { setData } = useStudio.getState();
  try {
    if (!demoFile) {
      const url = `${(import.meta as { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/'}data/${DEMO_FILE}`;
      let res: Response;
      try {
        res = await fetch(url);
      } catch (err) {
        throw new Error(`The demo dataset could not be fetched from ${url} (${err instanceof Error ? err.message : String(err)}). Drop your own file instead.`);
      }
      if (!res.ok) {
        throw new Error(`The demo dataset ${url} is missing (HTTP ${res.status}): run \`npm run setup\` (it writes public/data/${DEMO_FILE}) and reload, or drop your own file.`);
      }
      const file = await parseInto('train', await res.blob(), DEMO_FILE);
      if (!file) return; // a user's file was dropped meanwhile: it wins
      demoFile = file;
    }
    sources.train = null;
    sources.dev = null;
    setData({
      demoSize: size,
      trainFile: demoFile,
      trainOrigin: 'demo',
      devFile: null,
      columns: { text: 'text', textPair: null, label: 'label' },
      split: size === 'small' ? DEMO_SMALL_SPLIT : DEFAULT_SPLIT,
    });
    rebuildDataset();
  } catch (err) {
    setData({ dataError: problem(err, 'demo') });
  }
}

/** At page start: load the demo once, unless a dataset is already there. Safe to call repeatedly. */
export function ensureDemo(): Promise<void> {
  if (useStudio.getState().dataset) return Promise.resolve();
  demoLoading ??= loadDemo();
  return demoLoading;
}

/** Switches the demo between its first-run subset and the whole corpus (loading the demo if needed). */
export function setDemoSize(size: DemoSize): Promise<void> {
  return loadDemo(size);
}

/** A dropped, picked or pasted training file: parsed in the worker, columns guessed, dataset rebuilt. */
export async function loadTrainFile(source: Source, name: string, origin: 'file' | 'paste' = 'file'): Promise<void> {
  const { setData } = useStudio.getState();
  try {
    const file = await parseInto('train', source, name);
    if (!file) return;
    const before = useStudio.getState();
    // A dev file dropped while the demo was the training file belongs with this file; else it is dropped.
    const keepDev = before.trainOrigin === 'demo' && before.devFile !== null;
    sources.train = { source, name };
    if (!keepDev) sources.dev = null;
    setData({
      trainFile: file,
      trainOrigin: origin,
      devFile: keepDev ? before.devFile : null,
      columns: defaultColumns(file.table),
      split: keepDev ? { ...DEFAULT_SPLIT, seed: before.split.seed, mode: 'file' } : { ...DEFAULT_SPLIT, seed: before.split.seed },
    });
    if (!rebuildDataset()) {
      const p = useStudio.getState().dataError;
      if (p && !COLUMN_CODES.has(p.code)) {
        backToInUse();
        setData({ dataError: { ...p, message: `'${name}' was not loaded: ${p.message}` } });
      }
    }
  } catch (err) {
    backToInUse();
    setData({ dataError: problem(err, 'train') });
  }
}

/** Pasted text, read like a file. */
export function loadPastedText(text: string): Promise<void> {
  return loadTrainFile(text, 'pasted text', 'paste');
}

/** A separate dev file: parsed, then the dataset is rebuilt with it (dev split "from a file"). */
export async function loadDevFile(source: Source, name: string): Promise<void> {
  const { setData } = useStudio.getState();
  try {
    const file = await parseInto('dev', source, name);
    if (!file) return;
    const before = useStudio.getState();
    const prev = { devFile: before.devFile, split: before.split, source: sources.dev, inUse: before.draftInUse };
    sources.dev = { source, name };
    setData({ devFile: file, split: { ...before.split, mode: 'file' } });
    // A dev file that does not fit the training file is not kept (the previous dev choice comes back), except
    // over the demo: there it waits for the training file it belongs to.
    if (!rebuildDataset() && before.trainOrigin !== 'demo') {
      sources.dev = prev.source;
      setData({ devFile: prev.devFile, split: prev.split, draftInUse: prev.inUse });
    }
  } catch (err) {
    setData({ dataError: problem(err, 'dev') });
  }
}

/** Removes the dev file and goes back to an automatic split. */
export function removeDevFile(): void {
  sources.dev = null;
  useStudio.getState().setData({ devFile: null, split: { ...useStudio.getState().split, mode: 'split' } });
  rebuildDataset();
}

/** The user picked a column for a role. */
export function chooseColumns(patch: Partial<ColumnChoice>): void {
  const s = useStudio.getState();
  if (!s.columns) return;
  s.setData({ columns: { ...s.columns, ...patch } });
  rebuildDataset();
}

/** The user changed the dev split (mode, fraction, seed). */
export function chooseSplit(patch: Partial<SplitChoice>): void {
  const s = useStudio.getState();
  const split = { ...s.split, ...patch };
  if (!(split.fraction > 0 && split.fraction < 1)) {
    s.setData({ dataError: { code: 'bad-option', message: `The dev fraction must be between 0 and 1 (exclusive), not ${patch.fraction}: use e.g. 0.1 for 10%.`, lines: [], role: 'build' } });
    return;
  }
  s.setData({ split: { ...split, seed: Math.max(0, Math.floor(split.seed)) } });
  rebuildDataset();
}

/** Reads the training file again with other options (header row on/off, delimiter); columns are guessed anew. */
export async function rereadTrainFile(override: Partial<FileReadOptions>): Promise<void> {
  const s = useStudio.getState();
  const src = sources.train;
  if (!src || !s.trainFile) return;
  try {
    const file = await parseInto('train', src.source, src.name, { ...s.trainFile.options, ...override });
    if (!file) return;
    useStudio.getState().setData({ trainFile: file, columns: defaultColumns(file.table) });
    rebuildDataset();
  } catch (err) {
    useStudio.getState().setData({ dataError: problem(err, 'train') });
  }
}

/** Whether the training file can be read again (a demo is fetched, not kept as a source). */
export function canRereadTrainFile(): boolean {
  return sources.train !== null;
}

/** Stops the parse in flight (the worker is restarted); the draft and dataset stay as they were. */
export function cancelParsing(): void {
  for (const role of ['train', 'dev'] as const) {
    controllers[role]?.abort();
    controllers[role] = null;
  }
  useStudio.getState().setData({ parseProgress: null });
}

/** Hides the data problem banner. */
export function dismissDataError(): void {
  useStudio.getState().setData({ dataError: null });
}
