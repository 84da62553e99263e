// The L-Tuning options of the float64 reference encoder (reference/model/encoder.ts), checked for meaning (the
// gradient check covers their derivatives): a prompt equal to the word rows of a text's first P tokens gives
// exactly the states of the plain forward over the whole text (positions, types and mask continue after the
// prompt); prefix keys are attended in every row, padded examples included, while padded keys get nothing;
// bad shapes are refused.
import { describe, expect, it } from 'vitest';
import { forward, referenceParams } from '../../reference/model/encoder';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import { makeTinyBert } from '../../tools/make-tiny-bert';

const tb = makeTinyBert();
const spec = readEncoderSpec(tb.model);
const params = referenceParams(spec);
const E = spec.embedWidth;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('reference encoder options: prompt and prefix', () => {
  const ids = [2, 17, 40, 99, 61, 3, 2, 8, 9, 3, 0, 0];
  const mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
  const B = 2;
  const T = 6;

  it('a prompt equal to the first P word rows reproduces the plain forward', () => {
    const P = 2;
    const full = forward(spec, { ids, mask, B, T, params });
    const word = params.get('embeddings.word')!;
    const prompt = new Float64Array(B * P * E);
    for (let b = 0; b < B; b++) for (let t = 0; t < P; t++) prompt.set(word.subarray(ids[b * T + t] * E, (ids[b * T + t] + 1) * E), (b * P + t) * E);
    const rest = (a: number[]) => [0, 1].flatMap((b) => a.slice(b * T + P, (b + 1) * T));
    const withPrompt = forward(spec, { ids: rest(ids), mask: rest(mask), B, T: T - P, params, prompt: { length: P, data: prompt } });
    expect(withPrompt.L).toBe(T);
    expect(Array.from(withPrompt.keep)).toEqual(mask);
    expect(maxAbsDiff(withPrompt.tokens, full.tokens)).toBeLessThan(1e-12);
  });

  it('prefix keys are always attended: zero keys take an equal share in every row, padded keys none', () => {
    const P = 3;
    const plain = forward(spec, { ids, mask, B, T, params });
    const W = spec.layers[0].heads * spec.layers[0].headDim;
    const prefix = { length: P, layers: spec.layers.map(() => ({ k: new Float64Array(B * P * W), v: new Float64Array(B * P * W) })) };
    const withPrefix = forward(spec, { ids, mask, B, T, params, prefix });
    // Zero keys score 0 against every query, so they take probability mass (with zero values): the states change.
    expect(maxAbsDiff(withPrefix.tokens, plain.tokens)).toBeGreaterThan(1e-3);
    // Each attention row over [prefix, tokens] sums to 1, the prefix entries are equal and > 0 (also in the
    // padded example), and padded keys get exactly 0.
    const probs = withPrefix.cache.layers[0].probs; // (B, H, T, P + T)
    const H = spec.layers[0].heads;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < T; i++) {
          const row = probs.subarray(((b * H + h) * T + i) * (P + T), ((b * H + h) * T + i + 1) * (P + T));
          expect(row.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 12);
          expect(row[0]).toBeGreaterThan(0);
          expect(row[1]).toBe(row[0]);
          for (let j = 0; j < T; j++) if (mask[b * T + j] === 0) expect(row[P + j]).toBe(0);
        }
      }
    }
  });

  it('refuses a prefix or prompt of the wrong size and a sequence longer than the positions', () => {
    const W = spec.layers[0].heads * spec.layers[0].headDim;
    expect(() => forward(spec, { ids, mask, B, T, prefix: { length: 2, layers: [{ k: new Float64Array(3), v: new Float64Array(3) }, { k: new Float64Array(3), v: new Float64Array(3) }] } })).toThrow(/layer 0 prefix must hold/);
    expect(() => forward(spec, { ids, mask, B, T, prefix: { length: 2, layers: [{ k: new Float64Array(B * 2 * W), v: new Float64Array(B * 2 * W) }] } })).toThrow(/prefix has 1 layers, the model 2/);
    expect(() => forward(spec, { ids, mask, B, T, prompt: { length: 2, data: new Float64Array(5) } })).toThrow(/prompt holds 5 values/);
    const long = Array(64).fill(5);
    expect(() => forward(spec, { ids: long, mask: Array(64).fill(1), B: 1, T: 64, prompt: { length: 1, data: new Float64Array(E) } })).toThrow(/65 rows \(prompt 1 \+ 64 tokens\) exceed the model's 64 positions/);
  });
});
