import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward, type AttentionShape } from '../../reference/attention';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { randn } from '../helpers/rng';

/** keyMask (B, Lk) from per-example [start, end) kept ranges (left or right padding). */
function rangeMask(B: number, Lk: number, ranges: [number, number][]): Float64Array {
  const m = new Float64Array(B * Lk);
  for (let b = 0; b < B; b++) for (let j = ranges[b][0]; j < ranges[b][1]; j++) m[b * Lk + j] = 1;
  return m;
}

function gradcheck(s: AttentionShape, keyMask: Float64Array | null, seed: number, inputScale = 1, qk?: { q: Float64Array; k: Float64Array }) {
  const W = s.H * s.dh;
  const q = qk?.q ?? randn(s.B * s.Lq * W, seed, inputScale);
  const k = qk?.k ?? randn(s.B * s.Lk * W, seed + 1, inputScale);
  const v = randn(s.B * s.Lk * W, seed + 2);
  const w = randn(s.B * s.Lq * W, seed + 3);
  const { probs } = attentionForward(q, k, v, keyMask, s);
  const { dQ, dK, dV } = attentionBackward(q, k, v, probs, w, s);
  const loss = () => dot(attentionForward(q, k, v, keyMask, s).out, w);
  const nq = finiteDifference(q, loss);
  const nk = finiteDifference(k, loss);
  const nv = finiteDifference(v, loss);
  for (const [name, a, n] of [
    ['dQ', dQ, nq],
    ['dK', dK, nk],
    ['dV', dV, nv],
  ] as const) {
    const r = compareGrads(a, n, 1e-7, 1e-5);
    expect(r.ok, `${name}: max abs err ${r.maxAbsErr} at ${r.worstIndex}`).toBe(true);
  }
  // The check must not pass because everything is zero.
  expect(Math.max(...dQ.map(Math.abs)) + Math.max(...dV.map(Math.abs))).toBeGreaterThan(1e-3);
  return { q, k, v, probs, dQ, dK, dV };
}

describe('reference attention', () => {
  it('forward: rows of P sum to 1 and O = P V (one head, by hand)', () => {
    // B=1, Lq=1, Lk=2, H=1, dh=1, scale 1: scores [1*2, 1*0] -> P = softmax([2, 0]).
    const { out, probs } = attentionForward(Float64Array.of(1), Float64Array.of(2, 0), Float64Array.of(10, 20), null, {
      B: 1, Lq: 1, Lk: 2, H: 1, dh: 1, scale: 1,
    });
    const p0 = Math.exp(2) / (Math.exp(2) + 1);
    expect(probs[0]).toBeCloseTo(p0, 14);
    expect(probs[1]).toBeCloseTo(1 - p0, 14);
    expect(out[0]).toBeCloseTo(10 * p0 + 20 * (1 - p0), 12);
  });

  it('heads are independent column slices', () => {
    const s = { B: 1, Lq: 2, Lk: 3, H: 2, dh: 2 };
    const q = randn(8, 1), k = randn(12, 2), v = randn(12, 3);
    const full = attentionForward(q, k, v, null, s).out;
    // Head 1 alone = the same op on columns 2..3 with H=1.
    const cols = (x: Float64Array, L: number) => Float64Array.from({ length: L * 2 }, (_, n) => x[Math.floor(n / 2) * 4 + 2 + (n % 2)]);
    const h1 = attentionForward(cols(q, 2), cols(k, 3), cols(v, 3), null, { B: 1, Lq: 2, Lk: 3, H: 1, dh: 2, scale: 1 / Math.sqrt(2) }).out;
    for (let i = 0; i < 2; i++) for (let c = 0; c < 2; c++) expect(full[i * 4 + 2 + c]).toBeCloseTo(h1[i * 2 + c], 14);
  });

  it('backward matches finite differences: cross-attention, T=37, H=2, dh=5, right and left padding', () => {
    const s = { B: 2, Lq: 3, Lk: 37, H: 2, dh: 5 };
    const mask = rangeMask(2, 37, [[0, 30], [6, 37]]);
    const { dK, dV, probs } = gradcheck(s, mask, 10);
    const W = s.H * s.dh;
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < 37; j++) {
        if (mask[b * 37 + j]) continue;
        for (let h = 0; h < s.H; h++) for (let i = 0; i < s.Lq; i++) expect(probs[((b * s.H + h) * s.Lq + i) * s.Lk + j]).toBe(0);
        for (let c = 0; c < W; c++) {
          expect(dK[(b * 37 + j) * W + c]).toBe(0);
          expect(dV[(b * 37 + j) * W + c]).toBe(0);
        }
      }
    }
  });

  it('backward matches finite differences: label self-attention (Lq = Lk = 4, no mask), custom scale', () => {
    gradcheck({ B: 2, Lq: 4, Lk: 4, H: 2, dh: 3, scale: 0.7 }, null, 20);
  });

  it('backward matches finite differences: L = 1 query, dh = 35 (width 70)', () => {
    gradcheck({ B: 1, Lq: 1, Lk: 5, H: 2, dh: 35 }, rangeMask(1, 5, [[1, 4]]), 30);
  });

  it('large logits: saturated rows (|scores| up to ~100) stay finite and the gradients still match', () => {
    const s = { B: 1, Lq: 2, Lk: 6, H: 1, dh: 4, scale: 1 };
    const r = gradcheck(s, null, 40, 5);
    let maxScore = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 6; j++) {
        let d = 0;
        for (let c = 0; c < 4; c++) d += r.q[i * 4 + c] * r.k[j * 4 + c];
        maxScore = Math.max(maxScore, Math.abs(d));
      }
    }
    expect(maxScore).toBeGreaterThan(50);
    for (const x of r.probs) expect(Number.isFinite(x)).toBe(true);
  });

  it('large logits: every score near +100 (head 0) or -100 (head 1) with an O(1) spread', () => {
    const s = { B: 1, Lq: 2, Lk: 5, H: 2, dh: 3, scale: 1 };
    const q = randn(2 * 6, 45, 0.1);
    const k = randn(5 * 6, 46, 0.1);
    for (let i = 0; i < 2; i++) [q[i * 6], q[i * 6 + 3]] = [10, -10];
    for (let j = 0; j < 5; j++) [k[j * 6], k[j * 6 + 3]] = [10, 10];
    const r = gradcheck(s, rangeMask(1, 5, [[1, 5]]), 47, 1, { q, k });
    expect(Math.max(...r.probs)).toBeLessThan(0.9);
  });

  it('a fully masked example gives O = 0, P = 0 and zero gradients, the other example is unaffected', () => {
    const s = { B: 2, Lq: 3, Lk: 4, H: 2, dh: 3 };
    const W = 6;
    const mask = rangeMask(2, 4, [[0, 0], [0, 4]]);
    const q = randn(2 * 3 * W, 50), k = randn(2 * 4 * W, 51), v = randn(2 * 4 * W, 52), dO = randn(2 * 3 * W, 53);
    const { out, probs } = attentionForward(q, k, v, mask, s);
    const g = attentionBackward(q, k, v, probs, dO, s);
    for (let n = 0; n < 3 * W; n++) expect(out[n]).toBe(0);
    for (let n = 0; n < 2 * 3 * 4; n++) expect(probs[n]).toBe(0);
    for (let n = 0; n < 3 * W; n++) expect(g.dQ[n]).toBe(0);
    for (let n = 0; n < 4 * W; n++) {
      expect(g.dK[n]).toBe(0);
      expect(g.dV[n]).toBe(0);
    }
    // Example 1 equals the same op run alone.
    const alone = attentionForward(q.slice(3 * W), k.slice(4 * W), v.slice(4 * W), null, { ...s, B: 1 });
    for (let n = 0; n < 3 * W; n++) expect(out[3 * W + n]).toBeCloseTo(alone.out[n], 14);
    gradcheck(s, mask, 54);
  });
});
