// RESULTS version 2's main table (issue 10): the probe's L2 choice on the selection split, constant-predictor
// detection, and the rendering of intervals, seeds and commits (scripts/results-protocol.ts, results-render.ts).
import { describe, expect, it } from 'vitest';
import { chooseL2, constantMacroF1, isConstant, L2_GRID, predictedCounts, type L2Trial } from '../../scripts/results-protocol';
import { formatInterval, formatSeeds, latestRows, renderCoverage, renderFindings, renderGoals, renderSetTable, vsProbe, type RenderRow } from '../../scripts/results-render';

const trial = (weightDecay: number, selectionAccuracy: number, selectionLoss: number): L2Trial => ({ weightDecay, selectionAccuracy, selectionLoss, bestEpoch: 1 });

describe('the probe L2 choice', () => {
  it('keeps the best selection accuracy, then the lower loss, then the smaller decay', () => {
    expect(chooseL2([trial(0, 0.8, 0.5), trial(1e-3, 0.82, 0.6), trial(1e-2, 0.81, 0.4)])).toBe(1);
    expect(chooseL2([trial(0, 0.8, 0.5), trial(1e-3, 0.8, 0.45), trial(1e-2, 0.8, 0.47)])).toBe(1);
    expect(chooseL2([trial(1e-1, 0.8, 0.5), trial(0, 0.8, 0.5)])).toBe(1);
    // a candidate with no kept checkpoint (NaN) never wins over one that has one
    expect(chooseL2([trial(0, NaN, NaN), trial(1e-3, 0.5, 0.7)])).toBe(1);
    expect(chooseL2([trial(1e-3, 0.5, 0.7), trial(0, NaN, NaN)])).toBe(0);
    expect(() => chooseL2([])).toThrow(/grid is empty/);
    expect(L2_GRID[0]).toBe(0);
  });
});

describe('constant predictors', () => {
  it('counts predictions, detects one-class output and the best constant macro-F1', () => {
    expect(predictedCounts([0, 2, 2, 1, 2], 3)).toEqual([1, 1, 3]);
    expect(() => predictedCounts([3], 3)).toThrow(/outside 0\.\.2/);
    expect(isConstant([0, 277])).toBe(true);
    expect(isConstant([1, 276])).toBe(false);
    // RTE dev: always "entailment" (146 of 277) has macro-F1 34.5 (the number); MRPC 279/408 -> 40.6
    expect(100 * constantMacroF1([146, 131])).toBeCloseTo(34.5, 1);
    expect(100 * constantMacroF1([129, 279])).toBeCloseTo(40.6, 1);
  });
});

// Two seeds of a 4-example set: the probe right on 2 of 4, ytuning on 3 and 4 of 4, label-attn-prefix constant.
const row = (head: string, seed: number, correct: string, predicted: number[], extra: Partial<RenderRow> = {}): RenderRow => ({
  protocol: 2,
  set: 'rte',
  head,
  seed,
  accuracy: [...correct].filter((c) => c === '1').length / correct.length,
  macroF1: 0.5,
  correct,
  predicted,
  evalLabelCounts: [2, 2],
  bestEpoch: 2,
  epochs: 4,
  weightDecay: 0.01,
  trainExamples: 2241,
  selectionExamples: 249,
  evalExamples: 4,
  trainSeconds: 10,
  commit: `c${seed}`,
  time: `2026-12-05T12:0${seed}:00.000Z`,
  ...extra,
});
const titles = { rte: { title: 'RTE', evalName: 'dev (4)' }, mrpc: { title: 'MRPC', evalName: 'dev (408)' } };
const rows = [
  row('linear', 0, '1100', [2, 2], { weightDecay: 0.1 }),
  row('linear', 1, '1010', [2, 2], { weightDecay: 0 }),
  row('ytuning', 0, '1110', [1, 3]),
  row('ytuning', 1, '1111', [2, 2]),
  row('label-attn-prefix', 0, '1100', [4, 0]),
];

describe('rendering the main table', () => {
  it('formats intervals and seed lists', () => {
    expect(formatInterval({ diff: 1.23, lo: -0.31, hi: 2.64, draws: 10 })).toBe('+1.2 [-0.3, +2.6]');
    expect(formatSeeds([3, 0, 1, 2, 4])).toBe('0-4');
    expect(formatSeeds([0, 2])).toBe('0, 2');
    expect(formatSeeds([0, 1])).toBe('0, 1');
  });

  it('keeps only version-2 rows, the newest of a repeated run', () => {
    const old = { ...rows[0], protocol: undefined };
    const again = { ...rows[0], accuracy: 0.99 };
    const kept = latestRows([old, rows[0], again]);
    expect(kept).toHaveLength(1);
    expect(kept[0].accuracy).toBe(0.99);
  });

  it('pairs a head with the probe over the seeds both ran', () => {
    const vs = vsProbe(rows, 'rte', 'ytuning')!;
    expect(vs.seeds).toEqual([0, 1]);
    expect(vs.iv.diff).toBeCloseTo(100 * (3.5 / 4 - 2 / 4), 10);
    expect(vsProbe(rows, 'rte', 'label-attn-prefix')!.seeds).toEqual([0]);
    expect(vsProbe(rows, 'rte', 'linear')).toBeNull();
    expect(vsProbe(rows, 'mrpc', 'ytuning')).toBeNull();
  });

  it('a set table shows seeds, intervals, constant seeds, the probe L2 per seed and every commit', () => {
    const t = renderSetTable(rows, 'rte', titles.rte, ['ytuning', 'label-attn-prefix', 'linear', 'zeroshot']);
    const line = (h: string) => t.split('\n').find((l) => l.startsWith(`| \`${h}\``))!;
    expect(line('ytuning')).toContain('| 0, 1 | 87.5 ± 17.7 |');
    expect(line('ytuning')).toContain('| c0, c1 |');
    expect(line('label-attn-prefix')).toContain('**1 of 1** (0)');
    expect(line('linear')).toContain('0: 0.1, 1: 0');
    expect(line('linear')).toContain('(the probe)');
    expect(t).not.toContain('`zeroshot`'); // no rows, no line
    expect(t).toContain('a constant predictor scores at most 50.0 accuracy');
  });

  it('coverage, goals and findings name only what ran', () => {
    const cov = renderCoverage(rows, ['rte', 'mrpc'], titles, ['ytuning', 'label-attn-prefix', 'linear']);
    expect(cov).toContain('- RTE: ytuning seeds 0, 1; label-attn-prefix seeds 0; linear seeds 0, 1');
    expect(cov).toContain('- MRPC: not run');
    const goals = renderGoals(rows, ['rte', 'mrpc'], titles);
    expect(goals).toContain('NOT met');
    expect(goals).toContain('`label-attn-prefix`: RTE seed 0');
    expect(goals).toContain('MRPC');
    expect(goals).not.toMatch(/MRPC [+-]/);
    const f = renderFindings(rows, ['rte', 'mrpc'], titles, ['ytuning', 'label-attn-prefix', 'linear']);
    expect(f).toContain('a CONSTANT predictor on 1 of 1 seeds (0)');
    expect(f).not.toContain('MRPC');
  });
});
