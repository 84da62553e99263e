// Seeded randomness: mulberry32 (32-bit state, full period, fast, good enough for shuffling and weight
// initialisation — not for cryptography). Design decision: every random choice (splits, epoch order, initial
// weights) takes an explicit seed, so it is the same in the browser, in Node and on every run. The lowest layer:
// it imports nothing, so heads/, train/ and data/ all use this one generator.

/** A generator of uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher-Yates). `seed` is a number or a generator to draw from (which it advances). */
export function seededShuffle<T>(items: readonly T[], seed: number | (() => number)): T[] {
  const rand = typeof seed === 'number' ? mulberry32(seed) : seed;
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
