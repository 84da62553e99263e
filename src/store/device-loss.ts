// Recovery from a GPU device lost mid-run: the run is recorded as stopped by 'device-lost' (its history and
// charts stay), then a new device is acquired and the head rebuilt from the CPU copy of its best checkpoint, so
// the studio keeps a usable head. Design decision: that CPU copy is taken at each new best dev evaluation during
// the run (a readback of the parameters), because nothing can be read from a device once it is lost.
import type { EncoderInfo } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import { headMeta } from '../heads/head-meta';
import { buildHead, type HeadContext, type HeadKind } from '../heads/registry';
import type { EvalRecord } from '../train/trainer';
import { setActiveHead } from './active-head';
import type { CurrentDataset } from './data-prep';
import type { RunRecord } from './run-record';
import { keepRun } from './run-save';
import { useStudio } from './store';
import type { TrainForm } from './train-slice';
import { getEngine, startEngine } from './workflows';

/** The best checkpoint's parameters on the CPU, with the evaluation that made it the best. */
export interface BestCheckpoint {
  rec: EvalRecord;
  values: Float32Array[];
}

/** What rebuilding the head needs. */
export interface RebuildRecipe {
  kind: HeadKind;
  ctx: HeadContext;
  form: TrainForm;
  info: EncoderInfo;
  labelTexts: string[];
  ds: CurrentDataset;
}

const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setTrain']>[0]) => useStudio.getState().setTrain(patch);

export async function finishDeviceLost(record: RunRecord, lostMsg: string, best: BestCheckpoint | null, r: RebuildRecipe): Promise<void> {
  record.stoppedBy = 'device-lost';
  record.best = best?.rec.metrics ?? null;
  const kept = best
    ? `Its history and best checkpoint (epoch ${best.rec.epoch + 1}, dev accuracy ${(best.rec.metrics.accuracy * 100).toFixed(1)}%) are kept`
    : 'Its history is kept (no checkpoint had been evaluated yet)';
  record.message = `${lostMsg} The run stopped at step ${record.steps.at(-1)?.step ?? 0}. ${kept}.`;
  set({ trainStatus: 'error', trainError: record.message, trainMessage: null, run: { ...record } });
  await keepRun(record);
  if (!best) return;
  // A new device (the engine re-acquires after a loss), then the best parameters uploaded into a fresh head.
  await startEngine();
  const e: GpuEngine | null = getEngine();
  if (!e) return;
  try {
    const head = buildHead(e, r.kind, r.ctx);
    if (head.params.length !== best.values.length) throw new Error('parameter count changed');
    head.params.forEach((p, i) => p.value.write(best.values[i]));
    await e.sync();
    const tmax = record.options.tmax;
    const meta = headMeta({
      labels: record.labels,
      labelTexts: r.labelTexts,
      encoder: r.info,
      tmax,
      pairData: r.ds.pair,
      training: { data: r.ds.name, head: r.kind, epochs: r.form.epochs, batch: r.form.batchSize, lr: r.form.lr, seed: r.form.seed, bestEpoch: best.rec.epoch + 1, run: record.id, stoppedBy: 'device-lost' },
      metrics: { accuracy: best.rec.metrics.accuracy, macroF1: best.rec.metrics.macroF1, loss: best.rec.loss },
    });
    setActiveHead(head, { id: record.id, kind: r.kind, source: 'trained', meta, pair: r.ctx.pair, tmax });
    set({ trainError: `${record.message} The best checkpoint was restored on a new GPU device and is the active head.` });
  } catch (err) {
    set({ trainError: `${record.message} Restoring it on a new GPU device failed: ${err instanceof Error ? err.message : String(err)}` });
  }
}
