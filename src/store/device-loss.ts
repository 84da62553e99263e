// Recovery from a GPU device lost mid-run (the trainer worker's device): the run is recorded as stopped by
// 'device-lost' (its history and charts stay), then the head is rebuilt on the page's engine from the CPU copy
// of its best checkpoint, so the studio keeps a usable head. Design decision: that CPU copy is taken by the
// worker at each new best dev evaluation (src/train/train-job.ts), because nothing can be read from a device
// once it is lost; the page's engine is started again only if its own device was lost too.
import type { EncoderInfo } from '../encoder/types';
import { headMeta } from '../heads/head-meta';
import { headEntry, type HeadContext, type HeadKind } from '../heads/registry';
import type { Checkpoint } from '../train/train-job';
import { setActiveHead } from './active-head';
import type { CurrentDataset } from './data-prep';
import { headOnPage } from './page-head';
import type { RunRecord } from './run-record';
import { keepRun } from './run-save';
import { useStudio } from './store';
import type { TrainForm } from './train-slice';

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

export async function finishDeviceLost(record: RunRecord, lostMsg: string, best: Checkpoint | null, r: RebuildRecipe): Promise<void> {
  record.stoppedBy = 'device-lost';
  record.best = best?.rec.metrics ?? null;
  const kept = best
    ? `Its history and best checkpoint (epoch ${best.rec.epoch + 1}, dev accuracy ${(best.rec.metrics.accuracy * 100).toFixed(1)}%) are kept`
    : 'Its history is kept (no checkpoint had been evaluated yet)';
  record.message = `${lostMsg} The run stopped at step ${record.steps.at(-1)?.step ?? 0}. ${kept}.`;
  set({ trainStatus: 'error', trainError: record.message, trainMessage: null, run: { ...record } });
  await keepRun(record);
  if (!best) return;
  // The page's engine (a new device when the page lost its own too), then the best parameters in a fresh head.
  try {
    const { head, fresh } = await headOnPage(r.kind, r.ctx, best.values, 1000);
    const tmax = record.options.tmax;
    const meta = headMeta({
      labels: record.labels,
      labelTexts: r.labelTexts,
      encoder: { ...r.info, hasPairInput: r.info.hasPairInput || headEntry(r.kind).pairs === 'joint' },
      tmax,
      pairData: r.ds.pair,
      training: { data: r.ds.name, head: r.kind, epochs: r.form.epochs, batch: r.form.batchSize, lr: r.form.lr, seed: r.form.seed, bestEpoch: best.rec.epoch + 1, run: record.id, stoppedBy: 'device-lost' },
      metrics: { accuracy: best.rec.metrics.accuracy, macroF1: best.rec.metrics.macroF1, loss: best.rec.loss },
    });
    setActiveHead(head, { id: record.id, kind: r.kind, source: 'trained', meta, pair: r.ctx.pair, tmax });
    const where = fresh ? 'on a new GPU device' : "on the page's GPU device";
    set({ trainError: `${record.message} The best checkpoint was restored ${where} and is the active head.` });
  } catch (err) {
    set({ trainError: `${record.message} Restoring it on a new GPU device failed: ${err instanceof Error ? err.message : String(err)}` });
  }
}
