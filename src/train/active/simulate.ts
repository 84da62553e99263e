// The labelling loop simulated on a labelled set whose labels stay hidden until asked for: start from a random
// seed set, retrain the CPU probe, ask for `step` more labels (at random, or the most uncertain, optionally
// diverse), repeat up to the budget, and score every probe on a held-out set. Design decision: the oracle is a
// callback that counts every reveal, and the loop only ever sees the labels it revealed, so a strategy cannot
// peek; the same seed gives the same seed set for every strategy (a paired comparison).
import { seededShuffle } from '../../util/random';
import { fitProbe, probeProbs, type ProbeOptions } from './probe';
import { suggestRows } from './suggest';
import type { UncertaintyBy } from './uncertainty';

export type Strategy = 'random' | UncertaintyBy | `${UncertaintyBy}-diverse`;
export const STRATEGIES: readonly Strategy[] = ['random', 'margin', 'entropy', 'margin-diverse', 'entropy-diverse'];

export interface SimulationSet {
  /** Pool features (N, C) flat; labels only through `reveal`. */
  pool: Float32Array;
  reveal: (row: number) => number;
  /** Held-out features (M, C) and labels. */
  test: Float32Array;
  testLabels: ArrayLike<number>;
  C: number;
  L: number;
}

export interface SimulationOptions {
  strategy: Strategy;
  seed: number;
  /** Random labels to start from. */
  seedSize: number;
  /** Labels asked for between retrains. */
  step: number;
  /** Stop at this many labels. */
  budget: number;
  probe?: ProbeOptions;
}

export interface CurvePoint {
  labels: number;
  accuracy: number;
}

function accuracy(probs: Float32Array, gold: ArrayLike<number>, L: number): number {
  let ok = 0;
  for (let i = 0; i < gold.length; i++) {
    let best = 0;
    for (let l = 1; l < L; l++) if (probs[i * L + l] > probs[i * L + best]) best = l;
    if (best === gold[i]) ok++;
  }
  return gold.length ? ok / gold.length : 0;
}

/** Test accuracy after the seed set and after every step, up to the budget. */
export function simulate(set: SimulationSet, o: SimulationOptions): CurvePoint[] {
  const { pool, C, L } = set;
  const N = pool.length / C;
  if (!Number.isInteger(N)) throw new Error(`simulate: ${pool.length} pool values are not rows of width ${C}`);
  if (o.seedSize < 1 || o.step < 1 || o.budget < o.seedSize || o.budget > N) {
    throw new Error(`simulate: need 1 <= seedSize <= budget <= pool size (${N}) and step >= 1; got seedSize ${o.seedSize}, step ${o.step}, budget ${o.budget}`);
  }
  const order = seededShuffle([...Array(N).keys()], o.seed); // the seed set, and random sampling's order
  const labelled: number[] = order.slice(0, o.seedSize);
  const labels = new Map<number, number>(labelled.map((r) => [r, set.reveal(r)]));
  let nextRandom = o.seedSize;
  const curve: CurvePoint[] = [];
  for (;;) {
    const X = new Float32Array(labelled.length * C);
    labelled.forEach((r, i) => X.set(pool.subarray(r * C, (r + 1) * C), i * C));
    const probe = fitProbe(X, Int32Array.from(labelled, (r) => labels.get(r)!), C, L, o.probe);
    curve.push({ labels: labelled.length, accuracy: accuracy(probeProbs(probe, set.test), set.testLabels, L) });
    if (labelled.length >= o.budget) return curve;
    const want = Math.min(o.step, o.budget - labelled.length);
    let next: number[];
    if (o.strategy === 'random') {
      next = order.slice(nextRandom, nextRandom + want);
      nextRandom += want;
    } else {
      const by = o.strategy.replace('-diverse', '') as UncertaintyBy;
      const diverse = o.strategy.endsWith('-diverse') ? { features: pool, C, anchors: labelled } : undefined;
      next = suggestRows(probeProbs(probe, pool), L, { k: want, by, exclude: new Set(labelled), diverse }).map((s) => s.row);
    }
    for (const r of next) {
      labels.set(r, set.reveal(r));
      labelled.push(r);
    }
  }
}
