// The engine self-check the studio runs on the user's adapter: each check runs WGSL kernels on small random
// inputs and compares them with the float64 references. Design decision: the same comparisons as the GPU test
// tier, shipped in the app, so a user (and the browser test tier) learns whether *their* GPU computes correctly.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import * as refAdd from '../../reference/add';
import { addForward } from './add';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Largest |gpu - ref| / (atol + rtol*|ref|); <= 1 passes. */
  worstRatio: number;
  ms: number;
  error?: string;
}

interface Check {
  name: string;
  atol: number;
  rtol: number;
  /** Runs on the GPU and returns pairs of (gpu result, float64 reference). */
  run(e: GpuEngine, rand: (n: number) => Float64Array): Promise<Array<[Float32Array, Float64Array]>>;
}

function seeded(seed: number): (n: number) => Float64Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return (n) => Float64Array.from({ length: n }, () => Math.fround(2 * next() - 1));
}

const up = (e: GpuEngine, x: Float64Array, shape: number[], label: string): GpuTensor => e.tensor(shape, label, Float32Array.from(x));

export const CHECKS: Check[] = [
  {
    name: 'residual add',
    atol: 1e-6,
    rtol: 1e-6,
    async run(e, rand) {
      const n = 1031;
      const a = rand(n);
      const b = rand(n);
      const ta = up(e, a, [n], 'check.a');
      const tb = up(e, b, [n], 'check.b');
      const ty = e.tensor([n], 'check.y');
      addForward(e, ta, tb, ty);
      const out = await ty.read();
      [ta, tb, ty].forEach((t) => t.release());
      return [[out, refAdd.addForward(a, b)]];
    },
  },
];

function worstRatio(gpu: Float32Array, ref: Float64Array, atol: number, rtol: number): number {
  if (gpu.length !== ref.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(gpu[i] - ref[i]) / (atol + rtol * Math.abs(ref[i]));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}

export async function runSelfCheck(e: GpuEngine, onResult?: (r: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [i, check] of CHECKS.entries()) {
    const t0 = performance.now();
    let result: CheckResult;
    try {
      const pairs = await check.run(e, seeded(1234 + i));
      const ratio = Math.max(...pairs.map(([g, r]) => worstRatio(g, r, check.atol, check.rtol)));
      result = { name: check.name, ok: ratio <= 1, worstRatio: ratio, ms: performance.now() - t0 };
    } catch (err) {
      result = { name: check.name, ok: false, worstRatio: Infinity, ms: performance.now() - t0, error: String(err) };
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}
