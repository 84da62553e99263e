// Use workflows: the playground (one text -> label probabilities, and for Y-Tuning heads the tokens each label
// attended to), batch prediction of a dropped file with a CSV download, head export (.safetensors, head ONNX,
// encoder + head combined ONNX) and import, and the run history (IndexedDB) with its comparison picks.
// Design decision: every action checks its preconditions (a GPU engine, an encoder, an active head trained on
// THAT encoder) first and puts a specific message in the store instead of throwing at a component; an import
// that fails leaves the current head in place, because setActiveHead is only called once every check passed.
import { parse } from '../data/parse';
import { sniff } from '../data/sniff';
import { fmtCount, listLines, summarizeIssues } from '../data/errors';
import type { HeadKind } from '../heads/registry';
import { loadModelSource } from '../encoder/sources';
import { exportCombinedOnnx, exportHeadOnnxFromFile } from '../export';
import { exportHead, importHead } from '../heads/serialize';
import { YTuningHead } from '../heads/ytuning';
import { packBatch } from '../train/batches';
import { getActiveHead, setActiveHead, type ActiveHeadInfo } from './active-head';
import { labelTokenAttention } from './attention-view';
import { downloadFile, safeFileName } from './download';
import { getCurrentSource, getEncoderClient, syncCacheStats } from './encoder-workflows';
import { deleteRun, listRunsChecked } from './history-db';
import { checkFeatures, predictLogits } from './head-predict';
import { predictColumns, predictInputs, type PredictColumns } from './predict-columns';
import { predictionCsv, softmaxRows, type PredictionRow } from './predictions';
import { useStudio } from './store';
import type { AttentionView, BatchPreviewRow, ExportKind } from './use-slice';
import { getEngine } from './workflows';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown) => (err as { name?: string } | null)?.name === 'AbortError';
const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setUse']>[0]) => useStudio.getState().setUse(patch);

const BATCH_PREVIEW_ROWS = 50;

/** The head, encoder client and engine, or the sentence that says what is missing. */
function ready(): { head: NonNullable<ReturnType<typeof getActiveHead>>; client: NonNullable<ReturnType<typeof getEncoderClient>>; e: NonNullable<ReturnType<typeof getEngine>> } | string {
  const head = getActiveHead();
  if (!head) return 'No head yet: train one (step Train) or import a .safetensors head below.';
  const e = getEngine();
  if (!e) return 'The GPU engine is not running (no WebGPU adapter, or the device was lost): reload the page.';
  const client = getEncoderClient();
  if (!client?.info) return 'The encoder is still loading: wait for the Model step to say it is ready.';
  const want = head.info.meta.encoder;
  if (want.hash !== client.info.hash) {
    return `This head was trained on ${want.name} (${want.hash.slice(0, 8)}), but the loaded encoder is ${client.info.name} (${client.info.hash.slice(0, 8)}): load ${want.name} in the Model step, or train or import a head for ${client.info.name}.`;
  }
  return { head, client, e };
}

/** Does the active head read sentence pairs (two texts per example)? */
export function headReadsPairs(info: ActiveHeadInfo): boolean {
  return info.meta.tokenizer.pair !== 'none';
}

// ---- playground -------------------------------------------------------------------------------------------

/** Predict one text (or pair) with the active head; Y-Tuning heads also give the attention view. */
export async function predictText(text: string, textPair?: string): Promise<void> {
  const r = ready();
  if (typeof r === 'string') return set({ playError: r, playResult: null });
  const { head, client, e } = r;
  const pairHead = headReadsPairs(head.info);
  // Trimmed, as training reads texts (data/dataset.ts).
  text = text.trim();
  textPair = textPair?.trim();
  if (text === '') return set({ playError: 'Type a text first.', playResult: null });
  if (pairHead && !textPair) return set({ playError: 'This head reads sentence pairs: type the second text too.', playResult: null });
  const input = pairHead ? { text, textPair: textPair! } : { text };
  set({ playBusy: true, playError: null });
  const t0 = performance.now();
  try {
    const [features] = await client.encode([input], { tmax: head.info.tmax });
    syncCacheStats();
    checkFeatures([features], null, head.info.pair);
    const logits = await predictLogits(e, head.head, [features], { tmax: head.info.tmax, pair: head.info.pair });
    const L = head.head.labels;
    const probs = Array.from(softmaxRows(logits, 1, L));
    const predicted = probs.indexOf(Math.max(...probs));
    let attention: AttentionView | null = null;
    let attentionNote: string | null = null;
    if (head.head instanceof YTuningHead) {
      try {
        attention = await attentionOf(head.head, e, features, input, head.info.tmax);
      } catch (err) {
        attentionNote = `The attention view could not be read: ${message(err)}`;
      }
    } else {
      attentionNote = `A ${head.info.kind} head has no label decoder: the attention view is for Y-Tuning heads.`;
    }
    set({
      playResult: { headId: head.info.id, ...input, labels: head.info.meta.labels, probs, predicted, attention, attentionNote, ms: performance.now() - t0 },
    });
  } catch (err) {
    set({ playError: `Prediction failed: ${message(err)}`, playResult: null });
  } finally {
    set({ playBusy: false });
  }
}

async function attentionOf(
  head: YTuningHead,
  e: NonNullable<ReturnType<typeof getEngine>>,
  features: Parameters<typeof checkFeatures>[0][number],
  input: { text: string; textPair?: string },
  tmax: number,
): Promise<AttentionView> {
  const client = getEncoderClient();
  if (!client) throw new Error('the encoder is gone');
  const [tokens] = await client.tokenize([input], { tmax });
  const batch = packBatch(e, [{ features, label: 0 }], [0], tmax);
  try {
    const map = await head.crossAttention(e, batch);
    const n = Math.min(batch.T, features.length);
    const { perLabel, pooled } = labelTokenAttention(map, 0, n);
    if (tokens.length < n) throw new Error(`the tokenizer gave ${tokens.length} tokens for ${n} token rows`);
    return { tokens: tokens.slice(0, n), perLabel, pooled };
  } finally {
    batch.release();
  }
}

// ---- batch prediction -------------------------------------------------------------------------------------

/** The whole file's inputs and, after a run, every probability (kept out of the store). */
let batchData: { inputs: PredictionRow[]; table: ReturnType<typeof parse>; probs: Float32Array | null; labels: string[] } | null = null;

/** Sentences about the rows a column choice leaves out. */
function emptyNote(lines: number[]): string[] {
  return lines.length ? [`${fmtCount(lines.length)} ${lines.length === 1 ? 'row has' : 'rows have'} an empty text and ${lines.length === 1 ? 'is' : 'are'} left out (${listLines(lines)})`] : [];
}

function previewOf(inputs: PredictionRow[]): BatchPreviewRow[] {
  return inputs.slice(0, 5).map((r) => ({ ...r, predicted: '', confidence: NaN }));
}
let batchAbort: AbortController | null = null;
let batchFileNotes: string[] = [];

/** Read a dropped or picked file for batch prediction: detect its format and text column(s). */
export async function openBatchFile(file: File): Promise<void> {
  batchAbort?.abort();
  set({ batch: null, batchFileError: null });
  batchData = null;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const sniffed = sniff(bytes, file.name);
    const table = parse(sniffed.text, sniffed, file.name);
    if (table.rows.length === 0) throw new Error(`'${file.name}' has no data rows to predict.`);
    const head = getActiveHead();
    const pair = head ? headReadsPairs(head.info) : false;
    const chosen = predictColumns(table, pair);
    const picked = predictInputs(table, chosen);
    const notes = [`${sniffed.format.toUpperCase()}${sniffed.format === 'csv' || sniffed.format === 'tsv' ? (sniffed.hasHeader ? ' with a header' : ' without a header') : ''}, ${table.rows.length.toLocaleString()} rows`];
    for (const s of summarizeIssues(table.issues)) notes.push(s.message);
    batchFileNotes = notes;
    batchData = { inputs: picked.inputs, table, probs: null, labels: [] };
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
        seconds: null,
        error: null,
      },
    });
  } catch (err) {
    set({ batchFileError: message(err) });
  }
}

/** Change which column(s) hold the texts. */
export function setBatchColumns(chosen: PredictColumns): void {
  const b = useStudio.getState().batch;
  if (!b || !batchData) return;
  try {
    const picked = predictInputs(batchData.table, chosen);
    batchData = { ...batchData, inputs: picked.inputs, probs: null };
    set({ batch: { ...b, chosen, rows: picked.inputs.length, notes: [...batchFileNotes, ...emptyNote(picked.emptyLines)], status: 'ready', error: null, counts: null, preview: previewOf(picked.inputs) } });
  } catch (err) {
    batchData = { ...batchData, inputs: [], probs: null };
    set({ batch: { ...b, chosen, rows: 0, status: 'error', error: message(err), counts: null, preview: [] } });
  }
}

/** Encode every row of the file and predict it with the active head. */
export async function runBatch(): Promise<void> {
  const b0 = useStudio.getState().batch;
  if (!b0 || !batchData) return;
  const patch = (p: Partial<typeof b0>) => {
    const b = useStudio.getState().batch;
    if (b) set({ batch: { ...b, ...p } });
  };
  const r = ready();
  if (typeof r === 'string') return patch({ status: 'error', error: r });
  const { head, client, e } = r;
  const pairHead = headReadsPairs(head.info);
  if (pairHead && b0.chosen.textPair === undefined) return patch({ status: 'error', error: 'This head reads sentence pairs: pick the second text column.' });
  if (batchData.inputs.length === 0) return patch({ status: 'error', error: 'No rows with a text to predict: pick the column that holds the texts.' });
  const inputs = pairHead ? batchData.inputs : batchData.inputs.map((x) => ({ text: x.text }));
  batchAbort?.abort();
  const ctl = new AbortController();
  batchAbort = ctl;
  const t0 = performance.now();
  patch({ headId: head.info.id, status: 'encoding', progress: { done: 0, total: inputs.length }, error: null, counts: null });
  try {
    const features = await client.encode(inputs, { tmax: head.info.tmax, signal: ctl.signal, onProgress: (p) => patch({ progress: { done: p.done, total: p.total } }) });
    syncCacheStats();
    patch({ status: 'predicting', progress: { done: 0, total: inputs.length } });
    const logits = await predictLogits(e, head.head, features, {
      tmax: head.info.tmax,
      pair: head.info.pair,
      signal: ctl.signal,
      onProgress: (done, total) => patch({ progress: { done, total } }),
    });
    const L = head.head.labels;
    const labels = head.info.meta.labels;
    const probs = softmaxRows(logits, inputs.length, L);
    batchData = { ...batchData, inputs, probs, labels };
    const counts = new Array<number>(L).fill(0);
    const preview: BatchPreviewRow[] = [];
    for (let i = 0; i < inputs.length; i++) {
      let best = 0;
      for (let l = 1; l < L; l++) if (probs[i * L + l] > probs[i * L + best]) best = l;
      counts[best]++;
      if (i < BATCH_PREVIEW_ROWS) preview.push({ ...inputs[i], predicted: labels[best], confidence: probs[i * L + best] });
    }
    patch({ status: 'done', progress: null, preview, counts, labels, seconds: (performance.now() - t0) / 1000 });
  } catch (err) {
    if (isAbort(err)) patch({ status: 'ready', progress: null, error: 'Batch prediction cancelled.' });
    else patch({ status: 'error', progress: null, error: `Batch prediction failed: ${message(err)}` });
  } finally {
    if (batchAbort === ctl) batchAbort = null;
  }
}

export function cancelBatch(): void {
  batchAbort?.abort();
}

/** Download the batch predictions as CSV: text(s), predicted, p_<label> per label. */
export function downloadBatchCsv(): void {
  const b = useStudio.getState().batch;
  if (!b || !batchData?.probs) return;
  const csv = predictionCsv(batchData.inputs, batchData.labels, batchData.probs);
  downloadFile(csv, `${safeFileName(b.fileName)}.predictions.csv`, 'text/csv;charset=utf-8');
}

// ---- export / import --------------------------------------------------------------------------------------

/** Why an export kind cannot run now, or null when it can. */
export function exportUnavailable(kind: ExportKind): string | null {
  if (kind === 'combined-onnx' && !getCurrentSource()) return 'The combined model needs the encoder: wait until the Model step has loaded it.';
  return null;
}

const EXPORT_FILES: Record<ExportKind, { suffix: string; mime: string }> = {
  safetensors: { suffix: '.safetensors', mime: 'application/octet-stream' },
  'head-onnx': { suffix: '.head.onnx', mime: 'application/octet-stream' },
  'combined-onnx': { suffix: '.combined.onnx', mime: 'application/octet-stream' },
};

/**
 * The bytes of an export. Every format starts from the head's .safetensors bytes (the one validated description
 * of a head); the combined model also needs the encoder's model.onnx, read again from the source the loaded
 * encoder came from (the app's server, the dropped files, or Cache Storage for hub models).
 */
async function exportBytes(kind: ExportKind, head: NonNullable<ReturnType<typeof getActiveHead>>): Promise<Uint8Array> {
  const file = await exportHead(head.head, head.info.meta);
  if (kind === 'safetensors') return file;
  if (kind === 'head-onnx') return exportHeadOnnxFromFile(file);
  const r = ready();
  if (typeof r === 'string') throw new Error(r);
  const source = getCurrentSource();
  if (!source) throw new Error('no encoder is loaded');
  const files = await loadModelSource(source);
  return exportCombinedOnnx(files, file, { encoderName: r.client.info?.name });
}

function baseName(info: ActiveHeadInfo): string {
  if (info.source === 'imported') return safeFileName(info.id.replace(/^imported:/, ''));
  const ds = useStudio.getState().history.find((r) => r.id === info.id)?.dataset.name;
  return safeFileName(`${ds ? `${ds}-` : ''}${info.kind}`);
}

/** Download the active head in one of the export formats. */
export async function exportActiveHead(kind: ExportKind): Promise<void> {
  const head = getActiveHead();
  if (!head) return set({ exportError: 'No head to export yet: train one or import one.' });
  const why = exportUnavailable(kind);
  if (why) return set({ exportError: why });
  set({ exportBusy: kind, exportError: null, exportNotice: null });
  try {
    const bytes = await exportBytes(kind, head);
    const name = `${baseName(head.info)}${EXPORT_FILES[kind].suffix}`;
    downloadFile(bytes, name, EXPORT_FILES[kind].mime);
    set({ exportNotice: `Saved ${name} (${formatKb(bytes.length)}).` });
  } catch (err) {
    set({ exportError: `Export failed: ${message(err)}` });
  } finally {
    set({ exportBusy: null });
  }
}

function formatKb(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Import a .safetensors head; on any refusal the current head stays and the reason is shown. */
export async function importHeadFile(file: File): Promise<void> {
  set({ importBusy: true, importError: null, importNotice: null });
  try {
    const e = getEngine();
    if (!e) throw new Error('the GPU engine is not running (no WebGPU adapter, or the device was lost): reload the page');
    const client = getEncoderClient();
    if (!client?.info) throw new Error('the encoder is still loading: import once the Model step says it is ready (a head must match the encoder)');
    if (!/\.safetensors$/i.test(file.name)) throw new Error(`'${file.name}' is not a .safetensors file: pick a head exported by LabelTune (name.safetensors)`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length === 0) throw new Error(`'${file.name}' is empty`);
    const { head, meta } = importHead(e, bytes, { encoderHash: client.info.hash, encoderName: client.info.name, encoderWidth: client.info.hiddenSize });
    const info: ActiveHeadInfo = {
      id: `imported:${file.name}`,
      kind: head.kind as HeadKind,
      source: 'imported',
      meta,
      pair: meta.tokenizer.pair === 'side-by-side',
      tmax: meta.tokenizer.tmax,
    };
    setActiveHead(head, info);
    const acc = Number.isFinite(meta.metrics.accuracy) ? `, dev accuracy ${(meta.metrics.accuracy * 100).toFixed(1)}%` : '';
    set({ importNotice: `Imported ${file.name}: ${head.kind} head, ${meta.labels.length} labels (${meta.labels.slice(0, 6).join(', ')}${meta.labels.length > 6 ? ', …' : ''})${acc}.`, playResult: null, playError: null });
  } catch (err) {
    const m = message(err);
    set({ importError: `Import refused — ${m.replace(/^head file: /, '')}. The current head is unchanged.` });
  } finally {
    set({ importBusy: false });
  }
}

// ---- history ----------------------------------------------------------------------------------------------

/** Read the stored runs (validated; unreadable ones listed in historySkipped). */
export async function loadHistory(): Promise<void> {
  try {
    const { runs, skipped } = await listRunsChecked();
    const ids = new Set(runs.map((r) => r.id));
    set({ history: runs, historySkipped: skipped, historyError: null, historyLoaded: true, compareIds: useStudio.getState().compareIds.filter((id) => ids.has(id)) });
  } catch (err) {
    set({ historyError: message(err), historyLoaded: true });
  }
}

export async function removeRun(id: string): Promise<void> {
  try {
    await deleteRun(id);
    set({ compareIds: useStudio.getState().compareIds.filter((x) => x !== id) });
  } catch (err) {
    set({ historyError: message(err) });
  }
}

/** Add a run to the comparison, or take it out. */
export function toggleCompare(id: string): void {
  const ids = useStudio.getState().compareIds;
  set({ compareIds: ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id] });
}
