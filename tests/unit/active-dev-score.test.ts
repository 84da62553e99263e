// The labelling session's dev rows and learning curve (src/train/active/session.ts audit plan,
// src/train/active/dev-score.ts): which rows are held out (deterministic in the seed, a random sample of the
// texts unlabelled at the start), every k-th row asked is one of them, their labels never train the probe, undo
// takes a dev label back, the curve's points (train count, dev size, Wilson interval), the minimum dev size, an
// old (version-1) session without dev rows, and the exported head's metrics.
import { describe, expect, it } from 'vitest';
import { checkpoints, checkpointSets, devCurve, exportMetrics, MIN_DEV, scoreOn, wilson } from '../../src/train/active/dev-score';
import { rowsFitter } from '../../src/train/active/probe';
import { asLabelSession, auditRows, isAuditTurn, labelRow, newSession, nextRow, sessionProbs, skipRow, splitAnswers, undoLast, type LabelSession } from '../../src/train/active/session';

// 60 texts in 2 clusters on a line: row i has feature x = i < 30 ? -1 - i/30 : 1 + (i-30)/30 and the label
// that its side says (class 0 left, class 1 right), except rows 5 and 40, which carry the other side's label.
const N = 60;
const features = Float32Array.from({ length: N }, (_, i) => (i < 30 ? -1 - i / 30 : 1 + (i - 30) / 30));
const truth = (r: number) => ((r < 30) !== (r === 5 || r === 40) ? 0 : 1);
const texts = Array.from({ length: N }, (_, i) => `t${i}`);

/** Answer `n` rows the way the studio asks them (nextRow with the probe's probabilities, retrained every time). */
function label(s: LabelSession, n: number): LabelSession {
  const fitter = rowsFitter(features, 1, 2);
  for (let k = 0; k < n; k++) {
    const row = nextRow(s, sessionProbs(s, fitter, null), features, 1)!;
    s = labelRow(s, row, truth(row));
  }
  return s;
}

describe('dev rows of a labelling session', () => {
  it('are a seeded random 1-in-k sample of the rows unlabelled at the start, the same for the same seed', () => {
    const s = newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, audit: { every: 5, seed: 7 } });
    const rows = auditRows(s);
    expect(rows).toHaveLength(Math.floor(58 / 5));
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows).not.toContain(0); // given rows always train
    expect(rows).not.toContain(59);
    expect(auditRows(newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, audit: { every: 5, seed: 7 } }))).toEqual(rows);
    expect(auditRows(newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, audit: { every: 5, seed: 8 } }))).not.toEqual(rows);
    expect(() => newSession(texts, ['a', 'b'], { audit: { every: 1, seed: 7 } })).toThrow(/a dev row every 1 rows asked: give a whole number from 2 to 50/);
  });

  it('every k-th row asked is the next dev row in its order; a skipped one is replaced by the next; the rest never asks dev rows', () => {
    let s = newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, audit: { every: 3, seed: 1 } });
    const dev = auditRows(s);
    const asked: number[] = [];
    for (let k = 0; k < 9; k++) {
      expect(isAuditTurn(s)).toBe(k % 3 === 2);
      const row = nextRow(s, null, null, 1)!;
      asked.push(row);
      s = labelRow(s, row, truth(row));
    }
    expect([asked[2], asked[5], asked[8]]).toEqual(dev.slice(0, 3));
    expect(asked.filter((_, k) => k % 3 !== 2).some((r) => dev.includes(r))).toBe(false);
    // the 12th ask is a dev turn: skipping its row asks the next dev row
    s = label(s, 2);
    expect(isAuditTurn(s)).toBe(true);
    const skipped = nextRow(s, null, null, 1)!;
    expect(skipped).toBe(dev[3]);
    expect(nextRow(skipRow(s, skipped), null, null, 1)).toBe(dev[4]);
  });

  it('dev labels never train the probe, and undo takes a dev label back', () => {
    let s = newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, audit: { every: 2, seed: 3 } });
    s = label(s, 2); // one training label, then one dev label
    const { train, dev } = splitAnswers(s);
    expect(train.size).toBe(3);
    expect(dev.size).toBe(1);
    const [devRow, devLabel] = [...dev][0];
    // The probe from the session equals the probe fitted on the training rows alone.
    const fitter = rowsFitter(features, 1, 2);
    const fromSession = sessionProbs(s, fitter, null)!;
    const trainOnly = rowsFitter(features, 1, 2);
    const expected = sessionProbs(undoLast(s).session, trainOnly, null)!;
    expect([...fromSession]).toEqual([...expected]);
    // Giving the dev row the other label changes no probability: it is not trained on.
    const flipped = labelRow(undoLast(s).session, devRow, 1 - devLabel);
    expect([...sessionProbs(flipped, rowsFitter(features, 1, 2), null)!]).toEqual([...expected]);
    // Undo drops the dev label and asks that row again (as a dev row: it is still the next dev turn).
    const u = undoLast(s);
    expect(u.row).toBe(devRow);
    expect(splitAnswers(u.session).dev.size).toBe(0);
    expect(isAuditTurn(u.session)).toBe(true);
    expect(nextRow(u.session, null, null, 1)).toBe(devRow);
  });

  it('the curve: no score below the minimum dev size (and why), then points at each checkpoint on the current dev rows', () => {
    let s = newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, every: 4, audit: { every: 2, seed: 11 } });
    const fitter = rowsFitter(features, 1, 2);
    s = label(s, 2 * (MIN_DEV - 1));
    let c = devCurve(s, fitter);
    expect(c.points).toEqual([]);
    expect(c.dev).toBe(MIN_DEV - 1);
    expect(c.why).toMatch(new RegExp(`No dev score yet: ${MIN_DEV - 1} of ${MIN_DEV} dev rows labelled \\(1 in every 2 rows asked is a random dev row`));
    s = label(s, 2);
    c = devCurve(s, fitter);
    expect(c.why).toBeNull();
    const { train, dev } = splitAnswers(s);
    expect(dev.size).toBe(MIN_DEV);
    expect(train.size).toBe(2 + MIN_DEV);
    // checkpoints: the 2 given rows, then every 4 training labels
    expect(checkpoints(s)).toEqual([2, 6, 10]);
    expect(c.points.map((p) => [p.train, p.dev])).toEqual([[2, MIN_DEV], [6, MIN_DEV], [10, MIN_DEV]]);
    // each point is the probe on that many first training labels, scored by hand on the dev rows
    const last = c.points.at(-1)!;
    const order = [0, 59, ...s.log.filter((a) => train.has(a.row)).map((a) => a.row)].slice(0, 10);
    const probe = fitter.fit(new Map(order.map((r) => [r, train.get(r)!])));
    const right = [...dev].filter(([r, l]) => {
      const z = (features[r] - fitter.z.mean[0]) * fitter.z.inv[0];
      const logit = (probe.W[1] - probe.W[0]) * z + probe.b[1] - probe.b[0];
      return (logit > 0 ? 1 : 0) === l;
    }).length;
    expect(last.accuracy).toBeCloseTo(right / MIN_DEV, 12);
    expect(last.low).toBeCloseTo(wilson(right, MIN_DEV).low, 12);
    expect(last.low).toBeLessThanOrEqual(last.accuracy);
    expect(last.high).toBeGreaterThanOrEqual(last.accuracy);
    expect(scoreOn(fitter, new Map(order.map((r) => [r, train.get(r)!])), dev)).toEqual(last);
  });

  it('a long session keeps every 2^k-th checkpoint (and the latest), so its points are a subset of a shorter one\'s', () => {
    let s = newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, every: 1, audit: { every: 50, seed: 2 } });
    s = label(s, 20); // no dev turn within 20 asks: 20 training labels
    expect(checkpoints(s, 100)).toEqual(Array.from({ length: 21 }, (_, i) => 2 + i));
    expect(checkpoints(s, 6)).toEqual([2, 10, 18, 22]);
    const longer = label(s, 12);
    // 32 training labels: every 8th checkpoint; those within the shorter session were its points already
    expect(checkpoints(longer, 6)).toEqual([2, 10, 18, 26, 34]);
    expect(checkpoints(longer, 6).filter((n) => n <= 22).every((n) => checkpoints(s, 6).includes(n))).toBe(true);
    // the sets are the first n training labels; a fitted one is memoised
    const f = rowsFitter(features, 1, 2);
    const sets = checkpointSets(s);
    expect(sets.map((m) => m.size)).toEqual(checkpoints(s));
    expect(f.has(sets[0])).toBe(false);
    f.fit(sets[0]);
    expect(f.has(new Map([...sets[0]].reverse()))).toBe(true);
  });

  it('Wilson interval: known values and edges', () => {
    const w = wilson(8, 10);
    expect(w.low).toBeCloseTo(0.4902, 4); // 8/10 -> [0.4902, 0.9433]
    expect(w.high).toBeCloseTo(0.9433, 4);
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(10, 10).high).toBe(1);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('an old version-1 session (no dev rows) loads: every label trains, no dev score, the export says so', () => {
    const old = { version: 1, labels: ['a', 'b'], labelTexts: [], texts: ['x', 'y', 'z'], given: {}, log: [{ row: 0, kind: 'label', label: 0, guess: 1 }, { row: 1, kind: 'label', label: 1 }], by: 'margin', diverse: false, every: 5, createdAt: '2026-12-01T00:00:00Z' };
    const s = asLabelSession(JSON.parse(JSON.stringify(old)));
    expect(auditRows(s)).toEqual([]);
    expect(isAuditTurn(s)).toBe(false);
    expect(splitAnswers(s).train.size).toBe(2);
    expect(nextRow(s, null, null, 1)).toBe(2);
    const f = rowsFitter(Float32Array.from([-1, 1, 0.5]), 1, 2);
    const c = devCurve(s, f);
    expect(c.points).toEqual([]);
    expect(c.why).toMatch(/started before the studio held out dev rows/);
    expect(exportMetrics(s, f)).toMatchObject({ n: 0, source: 'none: a session without dev rows (started before dev audits)' });
    expect(() => asLabelSession({ ...old, audit: { every: 5, seed: 1 } })).toThrow(/version-1 session with an audit plan/);
  });

  it('the exported metrics are the dev metrics of the probe on every training row, with n and the source', () => {
    let s = newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, audit: { every: 2, seed: 5 } });
    s = label(s, 24);
    const f = rowsFitter(features, 1, 2);
    const m = exportMetrics(s, f);
    const d = scoreOn(f, splitAnswers(s).train, splitAnswers(s).dev);
    expect(m).toEqual({ accuracy: d.accuracy, macroF1: d.macroF1, n: 12, source: 'dev: audit rows drawn at random from the texts, never trained on', accuracy_95: [d.low, d.high] });
    expect(exportMetrics(label(newSession(texts, ['a', 'b'], { given: { 0: 0, 59: 1 }, audit: { every: 2, seed: 5 } }), 4), f).source).toMatch(/only 2 rows, fewer than 10: a rough score/);
  });
});
