// Type guard for RunRecords read back from storage (IndexedDB): a record written by an older or broken build, or
// edited by hand, is reported with the first thing wrong with it instead of reaching a chart and crashing the page.
// Design decision: pure and structural — checks exactly what the history panel and compare view read (ids, sizes,
// series of finite numbers, metrics), returns a reason string rather than throwing, so a caller can skip and say so.
import { HEAD_KINDS } from '../heads/registry';
import { RUN_RECORD_VERSION, type RunRecord } from './run-record';

const STOP_REASONS = ['epochs', 'early-stopping', 'diverged', 'aborted', 'device-lost', 'failed', 'interrupted', 'running'];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number';
/** Losses may legitimately be NaN/Infinity in a diverged run; sizes and counters must be finite. */
const isFinite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStrArr = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

function metricsProblem(m: unknown, where: string, L: number): string | null {
  if (!isObj(m)) return `${where} is not a metrics object`;
  if (!isFinite(m.n) || !isFinite(m.accuracy) || !isFinite(m.macroF1)) return `${where} lacks n / accuracy / macroF1 numbers`;
  if (!Array.isArray(m.perClass) || m.perClass.length !== L) return `${where}.perClass does not have one entry per label (${L})`;
  for (const [i, c] of m.perClass.entries()) {
    if (!isObj(c) || !isFinite(c.precision) || !isFinite(c.recall) || !isFinite(c.f1) || !isFinite(c.support)) {
      return `${where}.perClass[${i}] is not {precision, recall, f1, support}`;
    }
  }
  if (!Array.isArray(m.confusion) || m.confusion.length !== L) return `${where}.confusion is not ${L} x ${L}`;
  for (const row of m.confusion) {
    if (!Array.isArray(row) || row.length !== L || !row.every(isFinite)) return `${where}.confusion is not ${L} x ${L} numbers`;
  }
  return null;
}

/** The first problem with `x` as a RunRecord of the current version, or null when it is one. */
export function runRecordProblem(x: unknown): string | null {
  if (!isObj(x)) return 'not an object';
  if (x.version !== RUN_RECORD_VERSION) return `version ${JSON.stringify(x.version)} (this studio reads version ${RUN_RECORD_VERSION})`;
  if (typeof x.id !== 'string' || x.id === '') return 'no id';
  if (typeof x.createdAt !== 'string' || Number.isNaN(Date.parse(x.createdAt))) return 'createdAt is not an ISO date';
  const d = x.dataset;
  if (!isObj(d) || typeof d.name !== 'string' || !isFinite(d.train) || !isFinite(d.dev) || typeof d.pair !== 'boolean') {
    return 'dataset is not {name, train, dev, pair}';
  }
  if (!isObj(x.encoder) || typeof x.encoder.name !== 'string' || typeof x.encoder.hash !== 'string') return 'encoder is not {name, hash}';
  if (typeof x.head !== 'string' || !(HEAD_KINDS as readonly string[]).includes(x.head)) return `unknown head kind ${JSON.stringify(x.head)}`;
  if (!isStrArr(x.labels) || x.labels.length < 1) return 'labels is not a list of names';
  const L = x.labels.length;
  if (!isStrArr(x.labelTexts) || x.labelTexts.length !== L) return `labelTexts is not ${L} strings`;
  if (!isObj(x.options)) return 'options is not an object';
  if (!Array.isArray(x.steps)) return 'steps is not a list';
  for (const [i, s] of x.steps.entries()) {
    if (!isObj(s) || !isFinite(s.step) || !isFinite(s.epoch) || !isNum(s.loss)) return `steps[${i}] is not {step, epoch, loss}`;
  }
  if (!Array.isArray(x.evals)) return 'evals is not a list';
  for (const [i, e] of x.evals.entries()) {
    if (!isObj(e) || !isFinite(e.step) || !isFinite(e.epoch) || !isNum(e.loss)) return `evals[${i}] is not {step, epoch, loss, metrics}`;
    const p = metricsProblem(e.metrics, `evals[${i}].metrics`, L);
    if (p) return p;
  }
  if (x.best !== null) {
    const p = metricsProblem(x.best, 'best', L);
    if (p) return p;
  }
  if (typeof x.stoppedBy !== 'string' || !STOP_REASONS.includes(x.stoppedBy)) return `unknown stop reason ${JSON.stringify(x.stoppedBy)}`;
  if (typeof x.message !== 'string') return 'message is not a string';
  if (!isObj(x.timings) || !isFinite(x.timings.encode) || !isFinite(x.timings.train)) return 'timings is not {encode, train}';
  if (x.weights !== undefined) {
    const w = x.weights;
    if (!isObj(w) || (w.state !== 'kept' && w.state !== 'evicted') || !isFinite(w.bytes) || w.bytes < 0 || typeof w.savedAt !== 'string' || (w.of !== 'final' && w.of !== 'checkpoint')) {
      return 'weights is not {state, bytes, savedAt, of}';
    }
    if (w.note !== undefined && typeof w.note !== 'string') return 'weights.note is not a string';
  }
  return null;
}

/** `x` as a RunRecord, or a coded error naming the record and what is wrong with it. */
export function asRunRecord(x: unknown): RunRecord {
  const problem = runRecordProblem(x);
  if (problem) {
    const id = isObj(x) && typeof x.id === 'string' ? ` "${x.id}"` : '';
    throw new Error(`run record${id}: ${problem}`);
  }
  return x as unknown as RunRecord;
}

/** Newest first by createdAt, ties by id (stable across reloads). */
export function sortNewestFirst(runs: RunRecord[]): RunRecord[] {
  return [...runs].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
