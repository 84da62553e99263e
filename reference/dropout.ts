// Dropout in float64 (the oracle for src/kernels/dropout.wgsl), with the kernel's counter-based mask computed
// bit for bit in JavaScript: keep(i) = F(F(i) ^ k) >= threshold, k = F(F(F(seed) ^ step) ^ stream),
// F = lowbias32, threshold = round(p * 2^32) (clamped to 2^32 - 1), scale = 1 / (1 - p).

export interface DropoutParams {
  /** Drop probability in [0, 1). */
  p: number;
  seed: number;
  step: number;
  /** Dropout site: a different mask per place in the network (default 0). */
  stream?: number;
}

export function lowbias32(v: number): number {
  let h = v >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The u32 threshold below which an element is dropped. */
export function dropoutThreshold(p: number): number {
  return Math.min(0xffffffff, Math.round(p * 2 ** 32));
}

/** (n) multipliers: scale where kept, 0 where dropped; scale is 1 / (1 - p) rounded to float32 as the kernel's. */
export function dropoutMask(n: number, d: DropoutParams): Float64Array {
  const threshold = dropoutThreshold(d.p);
  const scale = Math.fround(1 / (1 - d.p));
  const k = lowbias32(lowbias32(lowbias32(d.seed) ^ d.step) ^ (d.stream ?? 0));
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) m[i] = lowbias32((lowbias32(i) ^ k) >>> 0) >= threshold ? scale : 0;
  return m;
}

/** y = mask * x; the backward is the same map applied to dY (the op is linear in x). */
export function dropoutForward(x: Float64Array, d: DropoutParams): Float64Array {
  const m = dropoutMask(x.length, d);
  return x.map((v, i) => v * m[i]);
}

export function dropoutBackward(dY: Float64Array, d: DropoutParams): Float64Array {
  return dropoutForward(dY, d);
}
