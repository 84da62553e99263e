// The labelling session's learning curve: dev accuracy (with a Wilson 95% interval) and macro-F1 of the probe
// trained on the first n training labels, against n, scored on the session's dev rows (the audit rows of
// session.ts: a random sample of the texts, never trained on). Design decision: every point is scored on the
// dev rows labelled so far (the current dev set), so the curve's points are comparable with each other and grow
// more precise as audits come in; a checkpoint is the given rows plus each `every` training labels of the log
// (the retrains), and its probe is fitted once (RowsFitter memoises by the labelled set).
import { classificationMetrics } from '../metrics';
import { probeProbs, type RowsFitter } from './probe';
import { splitAnswers, type LabelSession } from './session';

/** Below this many dev labels no score is shown (an interval over fewer rows is too wide to read). */
export const MIN_DEV = 10;

/** Wilson score interval for k successes in n trials (z = 1.96: 95%). */
export function wilson(k: number, n: number, z = 1.96): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const mid = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, mid - half), high: Math.min(1, mid + half) };
}

export interface DevScore {
  /** Training labels the probe saw. */
  train: number;
  /** Dev rows it was scored on. */
  dev: number;
  accuracy: number;
  low: number;
  high: number;
  macroF1: number;
}

export interface DevCurve {
  points: DevScore[];
  /** Dev rows labelled so far. */
  dev: number;
  /** Why there is no score to show (null when there is one). */
  why: string | null;
}

/** Training labels in the order they were given: the given rows (by row), then the log's training labels. */
function trainingOrder(s: LabelSession): [number, number][] {
  const { train } = splitAnswers(s);
  const given = Object.keys(s.given).map(Number).sort((a, b) => a - b);
  const seen = new Set(given);
  for (const a of s.log) if (a.kind === 'label' && train.has(a.row)) seen.add(a.row); // a Set keeps first-seen order
  return [...seen].map((r) => [r, train.get(r)!]);
}

/** Score a probe on the dev rows. */
export function scoreOn(fitter: RowsFitter, train: ReadonlyMap<number, number>, dev: ReadonlyMap<number, number>): DevScore {
  const rows = [...dev.keys()];
  const { C, L, zf } = fitter;
  const X = new Float32Array(rows.length * C);
  rows.forEach((r, i) => X.set(zf.subarray(r * C, (r + 1) * C), i * C));
  const p = probeProbs(fitter.fit(train), X);
  const pred = rows.map((_, i) => {
    let best = 0;
    for (let l = 1; l < L; l++) if (p[i * L + l] > p[i * L + best]) best = l;
    return best;
  });
  const m = classificationMetrics(pred, rows.map((r) => dev.get(r)!), L);
  const right = pred.filter((y, i) => y === dev.get(rows[i])).length;
  return { train: train.size, dev: rows.length, accuracy: m.accuracy, macroF1: m.macroF1, ...wilson(right, rows.length) };
}

/** The most points a curve has (each is a probe fit, once): longer sessions keep every 2nd, 4th, ... checkpoint. */
export const MAX_POINTS = 40;

/**
 * The training-label counts the curve has a point at (two classes needed): the given rows, then every `every`
 * labels; past MAX_POINTS only every 2^k-th of those (k the smallest that fits; the latest is always kept), so a
 * longer session's points are a subset of a shorter one's and no probe is fitted twice.
 */
export function checkpoints(s: LabelSession, max = MAX_POINTS): number[] {
  const order = trainingOrder(s);
  const base = Object.keys(s.given).length;
  const all: number[] = [];
  const classes = new Set<number>();
  order.forEach(([, l], i) => {
    classes.add(l);
    const n = i + 1;
    if (classes.size >= 2 && n >= base && (n - base) % s.every === 0) all.push(n);
  });
  let m = 1;
  while (all.filter((n) => ((n - base) / s.every) % m === 0).length > max - 1) m *= 2;
  return all.filter((n, i) => ((n - base) / s.every) % m === 0 || i === all.length - 1);
}

/** The training sets (row -> label) of the checkpoints: what each point's probe is fitted on. */
export function checkpointSets(s: LabelSession): Map<number, number>[] {
  const order = trainingOrder(s);
  return checkpoints(s).map((n) => new Map(order.slice(0, n)));
}

/** The learning curve (see the file comment); `why` says what is missing when there is nothing to show. */
export function devCurve(s: LabelSession, fitter: RowsFitter): DevCurve {
  const { dev } = splitAnswers(s);
  if (!s.audit) return { points: [], dev: 0, why: 'This session was started before the studio held out dev rows, so every label trains the head and there is no dev score; start a new session for one.' };
  if (dev.size < MIN_DEV) {
    return { points: [], dev: dev.size, why: `No dev score yet: ${dev.size} of ${MIN_DEV} dev rows labelled (1 in every ${s.audit.every} rows asked is a random dev row, never trained on).` };
  }
  const points = checkpointSets(s).map((train) => scoreOn(fitter, train, dev));
  return { points, dev: dev.size, why: points.length ? null : 'No dev score yet: label rows of two classes first.' };
}

/** The exported head's `metrics`: the probe on every training row, scored on the dev rows (and what they are). */
export function exportMetrics(s: LabelSession, fitter: RowsFitter): { accuracy: number; macroF1: number; source: string; n: number; accuracy_95?: [number, number] } {
  const { train, dev } = splitAnswers(s);
  if (dev.size === 0 || new Set(train.values()).size < 2) {
    return { accuracy: NaN, macroF1: NaN, source: s.audit ? 'none: no dev rows labelled yet' : 'none: a session without dev rows (started before dev audits)', n: 0 };
  }
  const d = scoreOn(fitter, train, dev);
  const few = dev.size < MIN_DEV ? `; only ${dev.size} rows, fewer than ${MIN_DEV}: a rough score` : '';
  return { accuracy: d.accuracy, macroF1: d.macroF1, source: `dev: audit rows drawn at random from the texts, never trained on${few}`, n: dev.size, accuracy_95: [d.low, d.high] };
}
