// Seeded random numbers for tests (mulberry32 + Box-Muller): every test input is reproducible.
import { mulberry32 } from '../../src/data/random';

export const rng = mulberry32;

/** n normal samples * scale, in float64, rounded through float32 so GPU and reference see identical inputs. */
export function randn(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    out[i] = Math.fround(scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

/** n uniform samples in [lo, hi), rounded through float32. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r()));
}
