// The linear probe with its L2 strength chosen on the selection split, shared by the main table (results.ts) and
// the Table 1 rebuild (results-table1.ts): every candidate of results-protocol's grid trains with the same budget,
// the best on the selection split (chooseL2) is kept, the others are freed as soon as they lose.
// Design decision: the L2 is AdamW's decoupled weight decay (the trainer's `weightDecay`), so each candidate is a
// fresh head and trainer; only the kept one is ever scored on the evaluation file, by the caller.
import type { GpuEngine } from '../src/gpu/engine';
import type { Head } from '../src/heads/head';
import type { TrainExample } from '../src/train/batches';
import { Trainer, type TrainOptions, type TrainResult } from '../src/train/trainer';
import { chooseL2, L2_GRID, type L2Trial } from './results-protocol';

export interface ProbeFit {
  head: Head;
  trainer: Trainer;
  result: TrainResult;
  /** Every candidate on the selection split, in grid order. */
  l2Grid: L2Trial[];
  /** The kept candidate's per-step training losses. */
  losses: number[];
}

/** Train one probe per decay of the grid (`build` makes a fresh head); return the kept one, still alive. */
export async function fitProbeL2(e: GpuEngine, build: () => Head, options: Partial<TrainOptions>, train: readonly TrainExample[], selection: readonly TrainExample[]): Promise<ProbeFit> {
  const l2Grid: L2Trial[] = [];
  let kept: Omit<ProbeFit, 'l2Grid'> | null = null;
  for (const wd of L2_GRID) {
    const head = build();
    const trainer = new Trainer(e, head, { ...options, weightDecay: wd });
    const losses: number[] = [];
    const result = await trainer.fit(train, selection, { onStep: (s) => losses.push(s.loss) });
    l2Grid.push({ weightDecay: wd, selectionAccuracy: result.best?.metrics.accuracy ?? NaN, selectionLoss: result.best?.loss ?? NaN, bestEpoch: result.best ? result.best.epoch + 1 : 0 });
    if (chooseL2(l2Grid) === l2Grid.length - 1) {
      kept?.trainer.dispose();
      kept?.head.dispose();
      kept = { head, trainer, result, losses };
    } else {
      trainer.dispose();
      head.dispose();
    }
  }
  return { ...kept!, l2Grid };
}
