// The train workflow's hooks into the run history: onRunStart / onRunProgress / onRunCheckpoint while a run
// trains (progress saves, RunKeeper in ./run-keep.ts, and a beforeunload warning), onRunFailed and keepRun when
// it ends. A failed save is said in the History panel, never thrown at the run.
// Design decision: the head files are the .safetensors bytes exportHead writes (the one validated head format):
// a checkpoint's parameters from the trainer worker are put into a head of the same kind on the page's engine,
// exported and disposed; the final head is the active head when the run made it so (same run id).
import { headEntry, type HeadContext, type HeadKind } from '../heads/registry';
import type { EncoderInfo } from '../encoder/types';
import { headMeta } from '../heads/head-meta';
import { exportHead } from '../heads/serialize';
import type { Checkpoint } from '../train/train-job';
import { getActiveHead } from './active-head';
import type { CurrentDataset } from './data-prep';
import { idbKeepStore } from './history-db';
import type { KeepStore } from './keep-plan';
import { headWithParams, pageEngine } from './page-head';
import { headBudget, keepRecord, realKeeperDeps, RunKeeper } from './run-keep';
import type { RunRecord } from './run-record';
import { useStudio } from './store';
import type { TrainForm } from './train-slice';

/** What writing a head file for a run needs (train-run's RunContext has it all). */
export interface RunRecipe {
  kind: HeadKind;
  ctx: HeadContext;
  form: TrainForm;
  info: EncoderInfo;
  labelTexts: string[];
  ds: CurrentDataset;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const notice = (msg: string) => useStudio.getState().setUse({ keepNotice: msg });

const store: KeepStore = idbKeepStore;
let live: { id: string; keeper: RunKeeper; recipe: RunRecipe; t0: number } | null = null;

/** The id of the run this page is training, if any (its stored record is not 'interrupted'). */
export function liveRunId(): string | null {
  return live?.id ?? null;
}

function warnBeforeLeaving(ev: BeforeUnloadEvent): void {
  ev.preventDefault();
  // Older browsers show the dialog only when returnValue is set.
  ev.returnValue = 'A head is training: leaving now ends the run (its last saved progress stays in History).';
}

function guardLeaving(on: boolean): void {
  if (typeof window === 'undefined') return;
  if (on) window.addEventListener('beforeunload', warnBeforeLeaving);
  else window.removeEventListener('beforeunload', warnBeforeLeaving);
}

/** A run starts training: its record is saved now and every few seconds; leaving the page asks first. */
export function onRunStart(record: RunRecord, recipe: RunRecipe): void {
  const keeper = new RunKeeper(realKeeperDeps(store, notice));
  live = { id: record.id, keeper, recipe, t0: performance.now() };
  guardLeaving(true);
  keeper.progress(record);
}

/** The run's record grew (a step, an evaluation). */
export function onRunProgress(record: RunRecord): void {
  if (live?.id !== record.id) return;
  // The training time so far (the train workflow sets the final one when the run ends).
  record.timings.train = (performance.now() - live.t0) / 1000;
  live.keeper.progress(record);
}

/** The head file of a checkpoint: its parameters in a head on the page's engine, exported. */
async function checkpointFile(record: RunRecord, recipe: RunRecipe, best: Checkpoint): Promise<Uint8Array> {
  const { engine } = await pageEngine();
  if (!engine) throw new Error(`the page has no GPU engine to write the checkpoint with (${useStudio.getState().engineError ?? 'WebGPU did not start'})`);
  const { kind, ctx, form, info, labelTexts, ds } = recipe;
  const head = await headWithParams(engine, kind, ctx, best.values);
  try {
    const meta = headMeta({
      labels: record.labels,
      labelTexts,
      // L-Tuning kinds run a pair as one joint sequence: for the file, that is the encoder's pair input (as train-run).
      encoder: { ...info, hasPairInput: info.hasPairInput || headEntry(kind).pairs === 'joint' },
      tmax: record.options.tmax,
      pairData: ds.pair,
      training: { data: ds.name, head: kind, epochs: form.epochs, batch: form.batchSize, lr: form.lr, seed: form.seed, bestEpoch: best.rec.epoch + 1, run: record.id, stoppedBy: 'checkpoint' },
      metrics: { accuracy: best.rec.metrics.accuracy, macroF1: best.rec.metrics.macroF1, loss: best.rec.loss },
    });
    return await exportHead(head, meta);
  } finally {
    head.dispose();
  }
}

/** A new best checkpoint of the running run (its parameters on the CPU): kept at the next progress save. */
export function onRunCheckpoint(record: RunRecord, best: Checkpoint): void {
  if (live?.id !== record.id) return;
  const recipe = live.recipe;
  live.keeper.checkpoint(best.rec.metrics, () => checkpointFile(record, recipe, best));
}

/** The final head file: the active head when this run made it the active head. */
function finalHead(record: RunRecord): (() => Promise<Uint8Array>) | null {
  const active = getActiveHead();
  if (active?.info.id !== record.id) return null;
  return () => exportHead(active.head, active.info.meta);
}

/**
 * Keep an ended run in the history: its final record with the active head it produced, or (failed, lost,
 * diverged) its newest best checkpoint. Never throws: a failed save is said on the page.
 */
export async function keepRun(record: RunRecord): Promise<void> {
  const run = live?.id === record.id ? live : null;
  try {
    const msg = run ? await run.keeper.finish(record, finalHead(record)) : (await keepRecord(store, record, null, headBudget())).notice;
    if (msg) notice(msg);
  } catch (err) {
    const m = `The run ended but could not be saved to the history: ${message(err)}`;
    notice(m);
    if (useStudio.getState().trainStatus !== 'error') useStudio.getState().setTrain({ trainError: m });
  } finally {
    // Only now: until its final record is written, a history reload must not take it for an interrupted run.
    if (run && live === run) {
      live = null;
      guardLeaving(false);
    }
  }
}

/** A run that failed (an error in the trainer, the worker, or building the head): recorded with its reason. */
export async function onRunFailed(record: RunRecord, reason: string): Promise<void> {
  record.stoppedBy = 'failed';
  record.message = reason;
  await keepRun(record);
}
