// Statistics for RESULTS v2 (issue 10), kept apart from the runner so they are unit-tested: the paired bootstrap
// 95% interval of a head's accuracy minus the probe's on the SAME evaluation examples, and a head's accuracy as a
// percentage of full fine-tuning's. Design decision: pairing resamples example indices once per draw and scores
// both heads on that same resample (per-example correctness vectors, averaged over the seeds each head ran), so
// the interval reflects the evaluation set's sampling noise of the DIFFERENCE, not of each head alone.
import { mulberry32 } from '../src/util/random';

/** Per-example correctness as a '0'/'1' string (what a results row stores for one seed). */
export function correctnessString(predicted: ArrayLike<number>, targets: ArrayLike<number>): string {
  if (predicted.length !== targets.length) throw new Error(`correctness: ${predicted.length} predictions for ${targets.length} targets`);
  let s = '';
  for (let i = 0; i < targets.length; i++) s += predicted[i] === targets[i] ? '1' : '0';
  return s;
}

/** Mean correctness per example over seeds: each string is one seed's row. */
export function meanCorrect(rows: readonly string[]): Float64Array {
  if (rows.length === 0) throw new Error('meanCorrect: no rows');
  const n = rows[0].length;
  const out = new Float64Array(n);
  for (const r of rows) {
    if (r.length !== n) throw new Error(`meanCorrect: rows cover ${r.length} and ${n} examples (different evaluation sets?)`);
    for (let i = 0; i < n; i++) out[i] += r.charCodeAt(i) === 49 ? 1 / rows.length : 0;
  }
  return out;
}

export interface PairedInterval {
  /** Accuracy difference a - b in points (100 x fraction). */
  diff: number;
  lo: number;
  hi: number;
  draws: number;
}

/** Paired bootstrap (percentile) interval of mean(a) - mean(b), in points; seeded, deterministic. */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, draws = 2000, seed = 0, level = 0.95): PairedInterval {
  const n = a.length;
  if (n === 0 || b.length !== n) throw new Error(`pairedBootstrap: needs two equal, non-empty per-example vectors (got ${a.length} and ${b.length})`);
  const d = Float64Array.from({ length: n }, (_, i) => a[i] - b[i]);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const rand = mulberry32(seed);
  const stats = new Float64Array(draws);
  for (let k = 0; k < draws; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(rand() * n)];
    stats[k] = s / n;
  }
  stats.sort();
  const q = (p: number) => stats[Math.min(draws - 1, Math.max(0, Math.round(p * (draws - 1))))];
  const tail = (1 - level) / 2;
  return { diff: 100 * mean, lo: 100 * q(tail), hi: 100 * q(1 - tail), draws };
}

/** A head's accuracy as % of full fine-tuning's (null when fine-tuning has no row for the set). */
export function percentOfFinetune(acc: number, finetuneAcc: number | null): number | null {
  if (finetuneAcc === null || !(finetuneAcc > 0)) return null;
  return (100 * acc) / finetuneAcc;
}
