// Seeded parameter initialisation shared by the heads. Design decision: values are rounded through float32, so
// the GPU head and its float64 reference start from identical numbers.
import { mulberry32 } from '../util/random';

/** n normal samples with standard deviation std (mulberry32 + Box-Muller), deterministic in seed. */
export function seededNormals(n: number, seed: number, std: number): Float64Array {
  const next = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-12);
    out[i] = Math.fround(std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next()));
  }
  return out;
}
