import { describe, expect, it } from 'vitest';
import { dropoutBackward, dropoutForward, dropoutMask, dropoutThreshold, lowbias32 } from '../../reference/dropout';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { randn } from '../helpers/rng';

/** lowbias32 in BigInt arithmetic, written independently of the Math.imul version. */
function lowbias32Big(v: number): number {
  const M = (1n << 32n) - 1n;
  let h = BigInt(v >>> 0);
  h ^= h >> 16n;
  h = (h * 0x7feb352dn) & M;
  h ^= h >> 15n;
  h = (h * 0x846ca68bn) & M;
  h ^= h >> 16n;
  return Number(h);
}

describe('reference dropout (counter-based mask)', () => {
  it('lowbias32 (Math.imul) equals a BigInt implementation', () => {
    const inputs = [0, 1, 2, 0xffffffff, 0x80000000, 123456789];
    for (let i = 0; i < 1000; i++) inputs.push((i * 2654435761) >>> 0);
    for (const v of inputs) expect(lowbias32(v)).toBe(lowbias32Big(v));
  });

  it('keeps a fraction 1 - p within 4 sigma, scales kept elements by 1 / (1 - p)', () => {
    const n = 100_000;
    for (const p of [0.1, 0.5, 0.9]) {
      const m = dropoutMask(n, { p, seed: 7, step: 3 });
      const kept = m.filter((v) => v !== 0);
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(kept.length - n * (1 - p)), `p=${p}`).toBeLessThan(4 * sigma);
      expect(new Set(kept).size).toBe(1);
      expect(kept[0]).toBe(Math.fround(1 / (1 - p)));
    }
  });

  it('same (seed, step, stream) gives the same mask; changing any one gives an unrelated mask', () => {
    const n = 20_000;
    const p = 0.3;
    const base = dropoutMask(n, { p, seed: 1, step: 0 });
    expect([...dropoutMask(n, { p, seed: 1, step: 0, stream: 0 })]).toEqual([...base]);
    for (const other of [{ seed: 2, step: 0 }, { seed: 1, step: 1 }, { seed: 1, step: 0, stream: 1 }]) {
      const m = dropoutMask(n, { p, ...other });
      let agree = 0;
      for (let i = 0; i < n; i++) agree += (m[i] === 0) === (base[i] === 0) ? 1 : 0;
      // independent masks agree on p^2 + (1-p)^2 = 0.58 of the elements
      expect(Math.abs(agree / n - 0.58), JSON.stringify(other)).toBeLessThan(0.02);
    }
  });

  it('p = 0 keeps everything with scale 1; the threshold covers [0, 2^32)', () => {
    expect([...dropoutMask(100, { p: 0, seed: 5, step: 5 })]).toEqual(new Array(100).fill(1));
    expect(dropoutThreshold(0)).toBe(0);
    expect(dropoutThreshold(0.5)).toBe(2 ** 31);
    expect(dropoutThreshold(1 - 1e-12)).toBe(0xffffffff);
  });

  it('backward is the same mask (matches central finite differences)', () => {
    const d = { p: 0.4, seed: 9, step: 2, stream: 3 };
    const x = randn(300, 1);
    const w = randn(300, 2);
    const dX = dropoutBackward(w, d);
    const r = compareGrads(dX, finiteDifference(x, () => dot(dropoutForward(x, d), w)), 1e-8, 1e-6);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(dX.some((v) => v === 0)).toBe(true);
  });
});
