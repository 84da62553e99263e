// The zero-shot preview's score (src/train/zero-shot-eval.ts) on a real adapter, against float64 cosines: a
// multi-label dev set is scored per label (sigmoid of each cosine, per-label thresholds tuned on dev), not by each
// row's first label; a single-label set keeps plain accuracy.
import { describe, expect, it } from 'vitest';
import type { EncodedExample } from '../../src/encoder/types';
import type { TrainExample } from '../../src/train/batches';
import { tunedMultiLabelMetrics } from '../../src/train/multi-label';
import { evaluateZeroShot } from '../../src/train/zero-shot-eval';
import { testEngine } from '../helpers/gpu';

const C = 4;
const feat = (v: number[]): EncodedExample => ({ tokens: Float32Array.from(v), length: 1, pooled: Float32Array.from(v) });
// Three label texts along the first three axes.
const seeds = [feat([1, 0, 0, 0.1]), feat([0, 1, 0, 0.1]), feat([0, 0, 1, 0.1])];

describe('zero-shot score on dev', () => {
  it('multi-label: every label of a row counts (per-label sigmoid + thresholds tuned on dev), matching float64', async () => {
    const e = await testEngine();
    // Rows point at the labels they carry; rows with two labels point between both.
    const rows: [number[], number[]][] = [
      [[1, 0, 0, 0], [0]],
      [[0.7, 0.7, 0, 0], [0, 1]],
      [[0, 1, 0.05, 0], [1]],
      [[0, 0.6, 0.6, 0.1], [1, 2]],
      [[0.1, 0, 1, 0], [2]],
      [[0.6, 0, 0.6, 0], [0, 2]],
      [[0.9, 0.1, 0, 0.3], [0]],
      [[0, 0.2, 0.9, 0], [2]],
    ];
    const dev: TrainExample[] = rows.map(([v, labels]) => ({ features: feat(v), label: labels[0], labels }));
    const got = await evaluateZeroShot(e, C, seeds, dev);
    // float64 reference: sigmoid(cosine) per (row, label), thresholds tuned on the same rows
    const norm = (v: number[]) => Math.hypot(...v);
    const probs = rows.flatMap(([v]) => seeds.map((s) => 1 / (1 + Math.exp(-(v.reduce((a, x, c) => a + x * s.pooled[c], 0) / (norm(v) * norm([...s.pooled])))))));
    const ref = tunedMultiLabelMetrics(probs, rows.map(([, l]) => l), 3);
    expect(got.multiLabel).toBeDefined();
    expect(got.macroF1).toBeCloseTo(ref.macroF1, 6);
    expect(got.multiLabel!.microF1).toBeCloseTo(ref.multiLabel!.microF1, 6);
    expect(got.multiLabel!.subsetAccuracy).toBeCloseTo(ref.multiLabel!.subsetAccuracy, 6);
    expect(got.accuracy).toBe(got.multiLabel!.subsetAccuracy);
    // These rows are separable label by label: every label of every row is found.
    expect(got.macroF1).toBe(1);
    expect(got.multiLabel!.subsetAccuracy).toBe(1);
    expect(got.dev).toBe(8);
  });

  it('single-label: plain accuracy and macro-F1, no multi-label part', async () => {
    const e = await testEngine();
    const dev: TrainExample[] = [
      { features: feat([1, 0.1, 0, 0]), label: 0 },
      { features: feat([0, 1, 0.2, 0]), label: 1 },
      { features: feat([0, 0.1, 1, 0]), label: 2 },
      { features: feat([0, 0.1, 1, 0]), label: 0 },
    ];
    const got = await evaluateZeroShot(e, C, seeds, dev);
    expect(got).toEqual({ accuracy: 0.75, macroF1: expect.any(Number), dev: 4 });
  });
});
