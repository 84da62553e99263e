// "Use this head" from a History row, and the Use step's offer of the last kept head after a reload: the run's
// stored head file goes through the same checked import as a dropped .safetensors file (importHead: format,
// encoder identity and width, shapes, finite values) and becomes the active head. Design decision: a stored head
// file that cannot be read (missing, truncated, damaged) or does not match the loaded encoder is refused with
// what is wrong; the active head, the run's record and every other stored run stay as they were.
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { importHead, type HeadMeta, type ImportOptions } from '../heads/serialize';
import { setActiveHead } from './active-head';
import { getEncoderClient } from './encoder-workflows';
import { idbKeepStore } from './history-db';
import { StoredHeadError, type KeepStore } from './keep-plan';
import type { RunRecord } from './run-record';
import { useStudio } from './store';
import { message } from './use-ready';
import { getEngine } from './workflows';

const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setUse']>[0]) => useStudio.getState().setUse(patch);

/** A run's stored head, imported on `e` (every check of a head file import); StoredHeadError says what is wrong. */
export async function loadStoredHead(store: KeepStore, e: GpuEngine, id: string, opts: ImportOptions): Promise<{ head: Head; meta: HeadMeta }> {
  const bytes = await store.readHead(id);
  try {
    return importHead(e, bytes, opts);
  } catch (err) {
    // A damaged file (SafetensorsError), one for another encoder or a forged config (HeadFileError).
    throw new StoredHeadError(id, `cannot be used: ${(err instanceof Error ? err.message : String(err)).replace(/^head file: /, '')}`);
  }
}

/** The newest run whose head file is kept (the Use step offers it when no head is active). */
export function lastKeptRun(runs: readonly RunRecord[]): RunRecord | null {
  return runs.find((r) => r.weights?.state === 'kept') ?? null;
}

/** Make run `id`'s stored head the active head; on any refusal the current head stays and the reason is shown. */
export async function useHistoryHead(id: string, store: KeepStore = idbKeepStore): Promise<void> {
  set({ useHeadBusy: id, useHeadError: null });
  try {
    const e = getEngine();
    if (!e) throw new Error('the GPU engine is not running (no WebGPU adapter, or the device was lost): reload the page');
    const info = getEncoderClient()?.info;
    if (!info) throw new Error('the encoder is still loading: try again once the Model step says it is ready (a head must match the encoder)');
    const { head, meta } = await loadStoredHead(store, e, id, { encoderHash: info.hash, encoderName: info.name, encoderWidth: info.hiddenSize });
    setActiveHead(head, { id, kind: head.kind, source: 'trained', meta, pair: meta.tokenizer.pair === 'side-by-side', tmax: meta.tokenizer.tmax });
    set({ playResult: null, playError: null });
  } catch (err) {
    set({ useHeadError: { id, message: `This run's head was not made the active head — ${message(err)}. The current head is unchanged.` } });
  } finally {
    set({ useHeadBusy: null });
  }
}
