// Chart decimation, dataset sampling and dev-prediction inspection (the train view's pure helpers).
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data';
import { decimate } from '../../src/train/decimate';
import { misclassified, predictions } from '../../src/train/inspect';
import { sampleDataset } from '../../src/train/subset';

describe('decimate', () => {
  it('keeps short series as they are', () => {
    const pts = [1, 2, 3].map((x) => ({ x, y: x * 2 }));
    expect(decimate(pts, 3)).toEqual(pts);
  });
  it('averages buckets, ends on the last x, and never exceeds max', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => ({ x: i + 1, y: i % 2 }));
    const d = decimate(pts, 100);
    expect(d.length).toBe(100);
    expect(d.at(-1)!.x).toBe(1000);
    for (const p of d) expect(p.y).toBeCloseTo(0.5, 12);
    const odd = decimate(Array.from({ length: 7 }, (_, i) => ({ x: i, y: i })), 3);
    expect(odd.map((p) => p.x)).toEqual([1, 3, 6]);
    expect(odd.map((p) => p.y)).toEqual([0.5, 2.5, 5]);
  });
  it('skips non-finite values in a mean and rejects a bad max', () => {
    const d = decimate([{ x: 0, y: 1 }, { x: 1, y: Number.NaN }, { x: 2, y: 3 }, { x: 3, y: 5 }], 2);
    expect(d).toEqual([{ x: 1, y: 1 }, { x: 3, y: 4 }]);
    expect(() => decimate([], 0)).toThrow(/positive integer/);
  });
});

describe('sampleDataset', () => {
  const ds: Dataset = {
    examples: Array.from({ length: 100 }, (_, i) => ({ text: `t${i}`, label: i < 80 ? 0 : 1, line: i + 1 })),
    labels: ['a', 'b'],
    counts: [80, 20],
    columns: { text: 'text', label: 'label' },
    skipped: [],
  };
  it('is stratified, seeded and keeps the labels', () => {
    const s = sampleDataset(ds, 10, 1);
    expect(s.examples.length).toBe(10);
    expect(s.counts).toEqual([8, 2]);
    expect(s.labels).toEqual(['a', 'b']);
    expect(sampleDataset(ds, 10, 1).examples).toEqual(s.examples);
    expect(sampleDataset(ds, 10, 2).examples).not.toEqual(s.examples);
  });
  it('returns everything for 0 or a size past the end, and refuses too small a sample', () => {
    expect(sampleDataset(ds, 0, 0)).toBe(ds);
    expect(sampleDataset(ds, 500, 0)).toBe(ds);
    expect(() => sampleDataset(ds, 1, 0)).toThrow(/cannot hold all 2 labels/);
    expect(() => sampleDataset(ds, -1, 0)).toThrow(/non-negative integer/);
  });
});

describe('predictions / misclassified', () => {
  it('gives argmax, softmax confidence and the mistakes most confident first', () => {
    const logits = [2, 0, /**/ 0, Math.log(3), /**/ 5, 0, /**/ 0, 0];
    const p = predictions(logits, [0, 0, 1, 1], 2);
    expect(p.map((x) => x.predicted)).toEqual([0, 1, 0, 0]);
    expect(p[1].confidence).toBeCloseTo(0.75, 12);
    expect(p[3].confidence).toBeCloseTo(0.5, 12);
    expect(misclassified(p).map((x) => x.index)).toEqual([2, 1, 3]);
    expect(() => predictions([1, 2, 3], [0, 1], 2)).toThrow(/3 logits for 2 examples/);
  });
});
