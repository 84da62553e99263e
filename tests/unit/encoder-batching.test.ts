// src/encoder/batching.ts: batch plans (every sequence once, longest first, within the token budget and row
// cap), right padding into int64 tensors, and unpadding/mean pooling of results.
import { describe, expect, it } from 'vitest';
import { maskedMeanRows, padBatch, planBatches, unpadRow } from '../../src/encoder/batching';
import type { TokenizedText } from '../../src/encoder/tokenizer';
import { rng } from '../helpers/rng';

describe('planBatches', () => {
  it('covers every sequence once, longest first, within budget and row cap', () => {
    const r = rng(3);
    const lengths = Array.from({ length: 500 }, () => 1 + Math.floor(r() ** 2 * 60));
    for (const opts of [{ batchTokens: 256, maxBatch: 16 }, { batchTokens: 64, maxBatch: 64 }, { batchTokens: 10_000, maxBatch: 7 }]) {
      const plans = planBatches(lengths, opts);
      const seen = plans.flatMap((p) => p.indices).sort((a, b) => a - b);
      expect(seen).toEqual(lengths.map((_, i) => i));
      let prevMax = Infinity;
      for (const p of plans) {
        expect(p.seq).toBe(Math.max(...p.indices.map((i) => lengths[i])));
        expect(p.seq).toBeLessThanOrEqual(prevMax);
        prevMax = p.seq;
        expect(p.indices.length).toBeLessThanOrEqual(opts.maxBatch);
        if (p.indices.length > 1) expect(p.indices.length * p.seq).toBeLessThanOrEqual(opts.batchTokens);
      }
    }
  });

  it('sorting keeps padding small: padded tokens within 10% of real ones on a skewed length mix', () => {
    const r = rng(9);
    const lengths = Array.from({ length: 2000 }, () => 3 + Math.floor(r() ** 3 * 120));
    const plans = planBatches(lengths, { batchTokens: 4096, maxBatch: 64 });
    const padded = plans.reduce((s, p) => s + p.indices.length * p.seq, 0);
    const real = lengths.reduce((s, n) => s + n, 0);
    expect(padded / real).toBeLessThan(1.1);
  });

  it('gives a sequence longer than the budget a batch of its own; equal lengths keep input order', () => {
    expect(planBatches([100, 3, 3], { batchTokens: 8, maxBatch: 4 })).toEqual([
      { indices: [0], seq: 100 },
      { indices: [1, 2], seq: 3 },
    ]);
  });

  it('rejects empty sequences and bad options', () => {
    expect(() => planBatches([3, 0], { batchTokens: 8, maxBatch: 2 })).toThrow(/sequence 1 has length 0/);
    expect(() => planBatches([3], { batchTokens: 0, maxBatch: 2 })).toThrow(/batchTokens must be a positive integer/);
    expect(() => planBatches([3], { batchTokens: 8, maxBatch: 1.5 })).toThrow(/maxBatch/);
  });
});

describe('padBatch / unpadRow / maskedMeanRows', () => {
  const seqs: TokenizedText[] = [
    { ids: [5, 6, 7], typeIds: [0, 0, 1], attentionMask: [1, 1, 1] },
    { ids: [9], typeIds: [0], attentionMask: [1] },
  ];

  it('pads on the right with the pad id, mask 0 and type 0, rows in plan order', () => {
    const b = padBatch(seqs, { indices: [1, 0], seq: 3 }, 42);
    expect(b.rows).toBe(2);
    expect(Array.from(b.ids)).toEqual([9n, 42n, 42n, 5n, 6n, 7n]);
    expect(Array.from(b.mask)).toEqual([1n, 0n, 0n, 1n, 1n, 1n]);
    expect(Array.from(b.typeIds)).toEqual([0n, 0n, 0n, 0n, 0n, 1n]);
    expect(b.lengths).toEqual([1, 3]);
    expect(() => padBatch(seqs, { indices: [0], seq: 2 }, 0)).toThrow(/sequence 0 has 3 tokens, more than its batch's length 2/);
  });

  it('unpadRow copies the real rows out; maskedMeanRows averages the unmasked ones (zeros when none)', () => {
    const C = 2;
    const hidden = Float32Array.from([1, 2, 3, 4, 99, 99, /* row 1 */ 5, 6, 98, 98, 97, 97]);
    const r0 = unpadRow(hidden, 0, 3, C, 2);
    expect(Array.from(r0)).toEqual([1, 2, 3, 4]);
    r0[0] = -1;
    expect(hidden[0]).toBe(1); // a copy, not a view
    expect(Array.from(unpadRow(hidden, 1, 3, C, 1))).toEqual([5, 6]);
    expect(Array.from(maskedMeanRows(Float32Array.from([1, 2, 3, 4]), [1, 1], C))).toEqual([2, 3]);
    expect(Array.from(maskedMeanRows(Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 0, 1], C))).toEqual([3, 4]);
    expect(Array.from(maskedMeanRows(Float32Array.from([1, 2]), [0], C))).toEqual([0, 0]);
  });
});
