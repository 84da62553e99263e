// Batch prediction of a dropped file: detect its format and text column(s) (and a gold label column), encode and
// predict every row with the active head, preview the first rows, count the predictions per label, give the
// accuracy when the file has labels, and hand the UI the prediction CSV (the CLI's writer). Design decision: the
// per-row results (every probability) stay in this module, outside the store; the slice holds what is drawn.
import { fmtCount, listLines, summarizeIssues } from '../data/errors';
import { parse } from '../data/parse';
import { sniff } from '../data/sniff';
import { argmaxRows } from '../train/inference';
import { headProbabilities, predictedSets } from '../train/head-probs';
import { predictionAccuracy, predictionsCsv, type PredictionRow } from '../train/prediction-csv';
import { getActiveHead } from './active-head';
import { activeHeadLogits } from './head-input';
import { labelColumn, labelListColumn, predictColumns, predictInputs, type PredictColumns } from './predict-columns';
import { useStudio } from './store';
import { headReadsPairs, message, ready } from './use-ready';
import type { BatchPreviewRow, BatchState } from './use-slice';

const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setUse']>[0]) => useStudio.getState().setUse(patch);
const isAbort = (err: unknown) => (err as { name?: string } | null)?.name === 'AbortError';

const BATCH_PREVIEW_ROWS = 50;

/** A file for the UI to save (the store never touches the DOM). */
export interface DownloadFile {
  data: Uint8Array | string;
  name: string;
  mime: string;
}

/** The whole file's inputs and, after a run, every probability (kept out of the store). */
const batch = {
  data: null as { inputs: PredictionRow[]; table: ReturnType<typeof parse>; probs: Float64Array | null; labels: string[]; labelTexts: string[]; chosen: PredictColumns; sets?: number[][] } | null,
  abort: null as AbortController | null,
  fileNotes: [] as string[],
};

/** Sentences about the rows a column choice leaves out. */
function emptyNote(lines: number[]): string[] {
  return lines.length ? [`${fmtCount(lines.length)} ${lines.length === 1 ? 'row has' : 'rows have'} an empty text and ${lines.length === 1 ? 'is' : 'are'} left out (${listLines(lines)})`] : [];
}

function previewOf(inputs: PredictionRow[]): BatchPreviewRow[] {
  return inputs.slice(0, 5).map((r) => ({ ...r, predicted: '', confidence: NaN }));
}

/** Read a dropped or picked file for batch prediction: detect its format, text column(s) and label column. */
export async function openBatchFile(file: File): Promise<void> {
  batch.abort?.abort();
  set({ batch: null, batchFileError: null });
  batch.data = null;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const sniffed = sniff(bytes, file.name);
    const table = parse(sniffed.text, sniffed, file.name);
    if (table.rows.length === 0) throw new Error(`'${file.name}' has no data rows to predict.`);
    const head = getActiveHead();
    const pair = head ? headReadsPairs(head.info) : false;
    const texts = predictColumns(table, pair);
    const label = head ? labelColumn(table, head.info.meta.labels, [texts.text, ...(texts.textPair ? [texts.textPair] : [])]) : undefined;
    const chosen: PredictColumns = label ? { ...texts, label } : texts;
    const picked = predictInputs(table, chosen);
    const notes = [`${sniffed.format.toUpperCase()}${sniffed.format === 'csv' || sniffed.format === 'tsv' ? (sniffed.hasHeader ? ' with a header' : ' without a header') : ''}, ${table.rows.length.toLocaleString()} rows`];
    if (label) notes.push(`column '${label}' holds the head's labels: the predictions are scored against it`);
    const lists = head && !label && !head.info.meta.task?.multiLabel ? labelListColumn(table, head.info.meta.labels, [texts.text, ...(texts.textPair ? [texts.textPair] : [])]) : undefined;
    if (lists) notes.push(`column '${lists.column}' lists several labels per row (line ${lists.line}: '${lists.cell}'), but this head predicts one label per row, so the predictions are not scored against it: train a multi-label head on this file to score label sets`);
    for (const s of summarizeIssues(table.issues)) notes.push(s.message);
    batch.fileNotes = notes;
    batch.data = { inputs: picked.inputs, table, probs: null, labels: [], labelTexts: [], chosen };
    set({
      batch: {
        headId: null,
        fileName: file.name,
        columns: table.columns,
        chosen,
        rows: picked.inputs.length,
        notes: [...notes, ...emptyNote(picked.emptyLines)],
        status: 'ready',
        progress: null,
        preview: previewOf(picked.inputs),
        counts: null,
        labels: [],
        accuracy: null,
        seconds: null,
        error: null,
      },
    });
  } catch (err) {
    set({ batchFileError: message(err) });
  }
}

/** Change which column(s) hold the texts (and the gold labels). */
export function setBatchColumns(chosen: PredictColumns): void {
  const b = useStudio.getState().batch;
  if (!b || !batch.data) return;
  try {
    const picked = predictInputs(batch.data.table, chosen);
    batch.data = { ...batch.data, inputs: picked.inputs, probs: null, chosen };
    set({ batch: { ...b, chosen, rows: picked.inputs.length, notes: [...batch.fileNotes, ...emptyNote(picked.emptyLines)], status: 'ready', error: null, counts: null, accuracy: null, preview: previewOf(picked.inputs) } });
  } catch (err) {
    batch.data = { ...batch.data, inputs: [], probs: null, chosen };
    set({ batch: { ...b, chosen, rows: 0, status: 'error', error: message(err), counts: null, accuracy: null, preview: [] } });
  }
}

/** Encode every row of the file and predict it with the active head. */
export async function runBatch(): Promise<void> {
  const b0 = useStudio.getState().batch;
  const data = batch.data;
  if (!b0 || !data) return;
  const patch = (p: Partial<BatchState>) => {
    const b = useStudio.getState().batch;
    if (b) set({ batch: { ...b, ...p } });
  };
  const r = ready();
  if (typeof r === 'string') return patch({ status: 'error', error: r });
  const { head } = r;
  const pairHead = headReadsPairs(head.info);
  if (pairHead && b0.chosen.textPair === undefined) return patch({ status: 'error', error: 'This head reads sentence pairs: pick the second text column.' });
  if (data.inputs.length === 0) return patch({ status: 'error', error: 'No rows with a text to predict: pick the column that holds the texts.' });
  const rows: PredictionRow[] = pairHead ? data.inputs : data.inputs.map(({ textPair: _, ...x }) => x);
  const inputs = rows.map((x) => (x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair }));
  batch.abort?.abort();
  const ctl = new AbortController();
  batch.abort = ctl;
  const t0 = performance.now();
  patch({ headId: head.info.id, status: 'encoding', progress: { done: 0, total: inputs.length }, error: null, counts: null, accuracy: null });
  try {
    const { logits } = await activeHeadLogits(r, inputs, {
      signal: ctl.signal,
      onEncode: (done, total) => patch({ progress: { done, total } }),
      onPredict: (done, total) => patch(done === 0 ? { status: 'predicting', progress: { done, total } } : { progress: { done, total } }),
    });
    const L = head.head.labels;
    const labels = head.info.meta.labels;
    const probs = headProbabilities(logits, L, head.info.meta); // calibrated when the head has a temperature
    const best = argmaxRows(probs, L);
    // A multi-label head predicts a label list per row (p_k >= its threshold), as the CLI's predict.
    const task = head.info.meta.task;
    const sets = task?.multiLabel ? predictedSets(probs, L, task.thresholds) : undefined;
    batch.data = { ...data, inputs: rows, probs, labels, labelTexts: head.info.meta.labelTexts, sets };
    const counts = new Array<number>(L).fill(0);
    const preview: BatchPreviewRow[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (sets) for (const k of sets[i]) counts[k]++;
      else counts[best[i]]++;
      if (i >= BATCH_PREVIEW_ROWS) continue;
      if (sets) preview.push({ ...rows[i], predicted: sets[i].length ? sets[i].map((k) => labels[k]).join(', ') : '(none)', confidence: sets[i].length ? Math.min(...sets[i].map((k) => probs[i * L + k])) : NaN });
      else preview.push({ ...rows[i], predicted: labels[best[i]], predictedText: head.info.meta.labelTexts[best[i]], confidence: probs[i * L + best[i]] });
    }
    const acc = sets ? { correct: 0, total: 0 } : predictionAccuracy(rows, labels, probs);
    patch({ status: 'done', progress: null, preview, counts, labels, accuracy: acc.total ? acc : null, seconds: (performance.now() - t0) / 1000 });
  } catch (err) {
    if (isAbort(err)) patch({ status: 'ready', progress: null, error: 'Batch prediction cancelled.' });
    else patch({ status: 'error', progress: null, error: `Batch prediction failed: ${message(err)}` });
  } finally {
    if (batch.abort === ctl) batch.abort = null;
  }
}

export function cancelBatch(): void {
  batch.abort?.abort();
}

/** A file-name-safe version of a free text (labels, dataset names). */
export function safeFileName(s: string): string {
  return s.replace(/\.[a-z0-9]+$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'head';
}

/** The batch predictions as CSV (the input's column names, predicted, p_<label>; with gold labels `correct`). */
export function batchCsvFile(): DownloadFile | null {
  const b = useStudio.getState().batch;
  const data = batch.data;
  if (!b || !data?.probs) return null;
  const names = { text: data.chosen.text, textPair: data.inputs.some((x) => x.textPair !== undefined) ? (data.chosen.textPair ?? null) : null, label: data.chosen.label ?? null };
  const csv = predictionsCsv(names, data.inputs, data.labels, data.probs, data.labelTexts, data.sets);
  return { data: csv, name: `${safeFileName(b.fileName)}.predictions.csv`, mime: 'text/csv;charset=utf-8' };
}
