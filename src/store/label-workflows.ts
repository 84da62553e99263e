// The Label step's work: start a session from pasted/dropped texts and label names (optionally label texts for
// a zero-shot start, and `label<TAB>text` lines already labelled), encode the texts through the encoder worker
// (and its feature cache), rank them by uncertainty, and after each label/skip/undo save the session to
// IndexedDB and ask the next row; every `every` new training labels the probe is retrained and the ranking
// refreshed; the learning curve is the probe's score on the session's dev rows (random audit rows, never trained
// on: src/train/active/dev-score.ts), refreshed after every action.
// Design decision: the head retrained in the loop is the CPU softmax probe of src/train/active (float64, full
// batch: a few hundred labelled 512-d vectors fit in well under a second on this page's thread, in a task of its
// own after the label is saved), not the GPU Trainer: a fit per few labels on a CPU WebGPU adapter would take
// longer than labelling. The exported head is a real `linear` head file (the probe folded onto raw features,
// written by heads/serialize on the page's GPU engine), which `labeltune predict/suggest` and the Use step read.
import { toCsv } from '../data/csv-writer';
import { LinearHead } from '../heads/linear';
import { exportHead } from '../heads/serialize';
import { checkpointSets, devCurve, exportMetrics, MIN_DEV } from '../train/active/dev-score';
import { foldStandardizer, rowsFitter, type RowsFitter } from '../train/active/probe';
import { answers, labelRow, newSession, nextRow, readLabelInput, sessionProbs, skipRow, splitAnswers, undoLast, zeroShotProbs, type LabelSession } from '../train/active/session';
import type { UncertaintyBy } from '../train/active/uncertainty';
import type { DownloadFile } from './batch-predict';
import { encoderTmax } from './encoded-sets';
import { getEncoderClient } from './encoder-workflows';
import { deleteSession, loadSession, saveSession } from './label-db';
import type { LabelSlice } from './label-slice';
import { useStudio } from './store';
import { getEngine } from './workflows';

const set = (patch: Partial<LabelSlice>) => useStudio.getState().setLabel(patch);
const get = () => useStudio.getState();
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Outside the store: the texts' pooled vectors (N, C), the label seeds' zero-shot probabilities, the ranking's probabilities. */
const mem = { features: null as Float32Array | null, C: 0, fitter: null as RowsFitter | null, prior: null as Float32Array | null, probs: null as Float32Array | null, trainedAt: 0, forTexts: null as string[] | null, seq: 0, unsaved: 0 };
const trainCount = (s: LabelSession) => splitAnswers(s).train.size;
const trainClasses = (s: LabelSession) => new Set(splitAnswers(s).train.values()).size;

function client() {
  const c = getEncoderClient();
  if (!c?.info) throw new Error('The encoder is not loaded yet: wait until the Model step says it is ready, then try again.');
  return c as typeof c & { info: NonNullable<typeof c.info> };
}

/** Read the saved session (on page load); it is shown at once and prepared when the encoder is ready. */
export async function restoreLabelling(): Promise<void> {
  try {
    const s = await loadSession();
    if (s && !get().labelSession) set({ labelSession: s, labelStatus: 'idle' });
  } catch (err) {
    set({ labelError: message(err) });
  }
}

export interface StartInput {
  texts: string;
  labels: string;
  /** Optional "label=text" lines or one text per label (same order), for a zero-shot start. */
  labelTexts?: string;
  by: UncertaintyBy;
  diverse: boolean;
  every: number;
  /** Every `audit`-th row asked is a random dev row (2-50). */
  audit: number;
}

/** Label names from a comma- or line-separated list. */
export function parseLabelNames(v: string): string[] {
  return v.split(/[,\n]/).map((x) => x.trim()).filter((x) => x !== '');
}

export async function startLabelling(input: StartInput): Promise<void> {
  try {
    const labels = parseLabelNames(input.labels);
    const { texts, given } = readLabelInput(input.texts, labels);
    const lt = (input.labelTexts ?? '').split('\n').map((x) => x.trim()).filter(Boolean);
    if (lt.length && lt.length !== labels.length) throw new Error(`${lt.length} label texts for ${labels.length} labels: give one text per label (one per line, in the labels' order), or none`);
    const s = newSession(texts, labels, { labelTexts: lt.length ? lt : undefined, given, by: input.by, diverse: input.diverse, every: input.every, audit: { every: input.audit, seed: Math.floor(Math.random() * 2 ** 31) } });
    if (!lt.length) s.labelTexts = [];
    await saveSession(s);
    mem.features = null;
    set({ labelSession: s, labelStatus: 'encoding', labelError: null, labelRetrains: 0 });
    await prepareLabelling();
  } catch (err) {
    set({ labelError: message(err) });
  }
}

/** Encode the session's texts (and label texts), rank, and ask the first row. Safe to call again. */
export async function prepareLabelling(): Promise<void> {
  const s = get().labelSession;
  if (!s) return;
  const seq = ++mem.seq;
  try {
    const c = client();
    if (mem.forTexts !== s.texts || !mem.features) {
      set({ labelStatus: 'encoding', labelEncode: { done: 0, total: s.texts.length }, labelError: null });
      const tmax = encoderTmax(get().trainForm);
      const enc = await c.encode(s.texts.map((text) => ({ text })), { tmax, onProgress: (p) => set({ labelEncode: { done: p.done, total: p.total } }) });
      const C = enc[0].pooled.length;
      const features = new Float32Array(enc.length * C);
      enc.forEach((e, i) => features.set(e.pooled, i * C));
      let prior: Float32Array | null = null;
      if (s.labelTexts.length === s.labels.length) {
        const seeds = await c.encode(s.labelTexts.map((text) => ({ text })), { tmax });
        const sf = new Float32Array(seeds.length * C);
        seeds.forEach((e, i) => sf.set(e.pooled, i * C));
        prior = zeroShotProbs(features, sf, C);
      }
      if (seq !== mem.seq) return;
      Object.assign(mem, { features, C, prior, forTexts: s.texts, fitter: rowsFitter(features, C, s.labels.length) });
    }
    retrain(s);
    ask(get().labelSession!);
    void refreshCurve(get().labelSession!);
    set({ labelStatus: 'ready', labelEncode: null });
  } catch (err) {
    if (seq === mem.seq) set({ labelStatus: 'error', labelEncode: null, labelError: message(err) });
  }
}

function retrain(s: LabelSession): void {
  mem.probs = sessionProbs(s, mem.fitter!, mem.prior);
  mem.trainedAt = trainCount(s);
  const classes = trainClasses(s);
  set({ labelRanker: classes >= 2 ? 'probe' : mem.prior ? 'zero-shot' : 'order', labelRetrains: get().labelRetrains + (classes >= 2 ? 1 : 0) });
}

/** The row to ask next (`row` when undo names it) and the head's probabilities for it, as a store patch. */
function nextOf(s: LabelSession, row?: number | null): Pick<LabelSlice, 'labelCurrent' | 'labelCurrentProbs'> {
  const r = row ?? nextRow(s, mem.probs, mem.features, mem.C);
  const L = s.labels.length;
  return { labelCurrent: r, labelCurrentProbs: r !== null && mem.probs ? [...mem.probs.subarray(r * L, (r + 1) * L)] : null };
}

function ask(s: LabelSession, row?: number | null): void {
  set(nextOf(s, row));
}

/**
 * Re-score the curve (the dev rows may have changed with any action). Checkpoints not fitted yet (after a reload:
 * all of them) are fitted one per task, so a long session's reload never freezes the page; the latest call wins.
 */
let curveSeq = 0;
async function refreshCurve(s: LabelSession): Promise<void> {
  const seq = ++curveSeq;
  const fitter = mem.fitter;
  if (!fitter) return;
  if (splitAnswers(s).dev.size >= MIN_DEV) {
    for (const train of checkpointSets(s)) {
      if (fitter.has(train)) continue;
      await new Promise((r) => setTimeout(r, 0));
      if (seq !== curveSeq || fitter !== mem.fitter) return;
      fitter.fit(train);
    }
  }
  if (seq === curveSeq && fitter === mem.fitter) set({ labelCurve: devCurve(s, fitter) });
}

/** IndexedDB writes, one after another in action order (a fast labeller's saves never overtake each other). */
let saving: Promise<void> = Promise.resolve();

/**
 * Apply a label/skip/undo. The new session and the next row reach the store in one update, so the card never
 * shows a row that is already answered (a second key press would answer it again). When the probe is due for a
 * retrain, no row is shown until it is done (keys are ignored meanwhile); the fit runs in a task of its own so
 * the click paints first.
 */
async function commit(s: LabelSession, row?: number | null): Promise<void> {
  const due = !!mem.features && (trainCount(s) - mem.trainedAt >= s.every || (mem.probs === mem.prior && trainClasses(s) >= 2));
  set({ labelSession: s, labelError: null, ...(due ? { labelCurrent: null, labelCurrentProbs: null, labelRetraining: true } : nextOf(s, row)) });
  mem.unsaved++;
  set({ labelSaving: true });
  saving = saving
    .then(() => saveSession(s))
    .catch((err: unknown) => set({ labelError: message(err) }))
    .finally(() => --mem.unsaved === 0 && set({ labelSaving: false }));
  if (due) {
    await new Promise((r) => setTimeout(r, 0));
    const now = get().labelSession;
    if (!now || !mem.features) return set({ labelRetraining: false });
    retrain(now);
    set({ labelRetraining: false, ...nextOf(now, row) });
    void refreshCurve(now);
  } else void refreshCurve(s);
  await saving;
}

/** Give the current row label `label` (0-based). */
export async function answerLabel(label: number): Promise<void> {
  const { labelSession: s, labelCurrent: row, labelStatus } = get();
  if (!s || row === null || labelStatus !== 'ready') return;
  if (label < 0 || label >= s.labels.length) return;
  await commit(labelRow(s, row, label));
}

export async function skipCurrent(): Promise<void> {
  const { labelSession: s, labelCurrent: row, labelStatus } = get();
  if (!s || row === null || labelStatus !== 'ready') return;
  await commit(skipRow(s, row));
}

export async function undoLabel(): Promise<void> {
  const { labelSession: s, labelStatus, labelRetraining } = get();
  if (!s || labelStatus !== 'ready' || labelRetraining) return;
  const u = undoLast(s);
  if (u.row === null) return;
  await commit(u.session, u.row);
}

export async function discardLabelling(): Promise<void> {
  mem.seq++;
  Object.assign(mem, { features: null, fitter: null, prior: null, probs: null, forTexts: null, trainedAt: 0 });
  set({ labelSession: null, labelStatus: 'idle', labelCurrent: null, labelCurrentProbs: null, labelError: null, labelRanker: 'order', labelRetrains: 0, labelCurve: null });
  try {
    await deleteSession();
  } catch (err) {
    set({ labelError: message(err) });
  }
}

/** The labelled rows as CSV (text,label), in the order they were labelled (given rows first; dev rows included). */
export function labelledCsv(s: LabelSession): DownloadFile {
  const rows = [...answers(s)].map(([r, l]) => [s.texts[r], s.labels[l]]);
  return { data: toCsv(['text', 'label'], rows), name: 'labelled.csv', mime: 'text/csv' };
}

/** The probe on every training row (dev rows left out) as a `linear` head file (.safetensors), written through the GPU engine. */
export async function labelledHead(s: LabelSession): Promise<DownloadFile> {
  const { train } = splitAnswers(s);
  if (new Set(train.values()).size < 2) throw new Error('Label training rows of at least two labels before exporting a head.');
  if (!mem.features || !mem.fitter) throw new Error('The texts are not encoded yet: wait until the Label step is ready.');
  const engine = getEngine();
  if (!engine) throw new Error('Exporting a head needs the WebGPU engine, which is not running (see the status strip).');
  const c = client();
  const fitter = mem.fitter;
  const { W, b } = foldStandardizer(fitter.fit(train), fitter.z);
  const head = new LinearHead(engine, { C: fitter.C, labels: s.labels.length, pair: false, W, b });
  try {
    const data = await exportHead(head, {
      labels: s.labels,
      labelTexts: s.labelTexts.length === s.labels.length ? s.labelTexts : s.labels,
      encoder: { name: c.info.name, hash: c.info.hash },
      tokenizer: { tmax: encoderTmax(get().trainForm), pair: 'none' },
      training: { method: 'active labelling (CPU softmax probe, src/train/active/probe.ts)', labelled: train.size, dev: splitAnswers(s).dev.size, by: s.by, diverse: s.diverse, audit_every: s.audit?.every ?? null },
      metrics: exportMetrics(s, fitter),
    });
    return { data, name: 'labelled-head.safetensors', mime: 'application/octet-stream' };
  } finally {
    head.dispose();
  }
}
