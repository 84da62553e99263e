// Head files in the Use step: export the active head (.safetensors, head-only ONNX, encoder + head combined ONNX)
// and import a .safetensors head. Design decision: every export starts from the head's .safetensors bytes (the
// one validated description of a head) and is handed to the UI as a file to save (the store never touches the
// DOM); an import that fails leaves the current head in place, because setActiveHead runs only after every check.
import { loadModelSource } from '../encoder/sources';
import { exportCombinedOnnx, exportHeadOnnxFromFile } from '../export';
import { headEntry, isHeadKind } from '../heads/registry';
import { readSafetensors } from '../heads/safetensors';
import { exportHead, importHead } from '../heads/serialize';
import { getActiveHead, setActiveHead, type ActiveHeadInfo } from './active-head';
import { safeFileName, type DownloadFile } from './batch-predict';
import { getCurrentSource, getEncoderClient } from './encoder-workflows';
import { useStudio } from './store';
import { message, ready, type ActiveHead } from './use-ready';
import type { ExportKind } from './use-slice';
import { wgslModel } from './wgsl-model';
import { getEngine } from './workflows';

const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setUse']>[0]) => useStudio.getState().setUse(patch);

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
 * The bytes of an export; the combined model also needs the encoder's model.onnx, read again from the source the
 * loaded encoder came from (the app's server, the dropped files, or Cache Storage for hub models).
 */
async function exportBytes(kind: ExportKind, head: ActiveHead): Promise<Uint8Array> {
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

function formatKb(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The active head in one of the export formats, as a file for the UI to save (null: the reason is in the store). */
export async function exportActiveHead(kind: ExportKind): Promise<DownloadFile | null> {
  const head = getActiveHead();
  if (!head) {
    set({ exportError: 'No head to export yet: train one or import one.' });
    return null;
  }
  const why = exportUnavailable(kind);
  if (why) {
    set({ exportError: why });
    return null;
  }
  set({ exportBusy: kind, exportError: null, exportNotice: null });
  try {
    const bytes = await exportBytes(kind, head);
    const name = `${baseName(head.info)}${EXPORT_FILES[kind].suffix}`;
    set({ exportNotice: `Saved ${name} (${formatKb(bytes.length)}).` });
    return { data: bytes, name, mime: EXPORT_FILES[kind].mime };
  } catch (err) {
    set({ exportError: `Export failed: ${message(err)}` });
    return null;
  } finally {
    set({ exportBusy: null });
  }
}

/** Whether a head file's kind runs the encoder in WGSL (token ids); a file that does not parse is importHead's to refuse. */
function readsGraph(bytes: Uint8Array): boolean {
  try {
    const kind = readSafetensors(bytes).metadata.kind;
    return kind !== undefined && isHeadKind(kind) && headEntry(kind).input === 'token-ids';
  } catch {
    return false;
  }
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
    // Kinds that run the encoder in WGSL load on top of the model's graph; loaded for inference only (no gradients).
    const encoderSpec = readsGraph(bytes) ? (await wgslModel()).spec : undefined;
    const { head, meta } = importHead(e, bytes, { encoderHash: client.info.hash, encoderName: client.info.name, encoderWidth: client.info.hiddenSize, encoderSpec, trainable: false });
    const info: ActiveHeadInfo = {
      id: `imported:${file.name}`,
      kind: head.kind,
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
