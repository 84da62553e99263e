// The benchmark's timing harness, shared by our engine and the tfjs peer. Design decision: both sides are timed
// the same way — wall time from the first enqueue until the GPU reports the work finished (a queue
// onSubmittedWorkDone after a submit), median and min over N runs after warm-up runs — and GPU timestamps, where
// the device has them, are taken in SEPARATE runs (tfjs's tf.time changes how it submits), never mixed in.
import type { GpuEngine } from '../src/gpu/engine';

/** One side of one benchmark case. */
export interface Runner {
  /** Record / enqueue one iteration (synchronous JS; the GPU may still be working when it returns). */
  enqueue(): void;
  /** Resolve once the GPU has finished everything enqueued so far. */
  wait(): Promise<void>;
  /** Free what one iteration produced (tfjs output tensors); never timed. */
  cleanup?(): void;
  /** One iteration timed by GPU timestamps: milliseconds, or null where the device has no timestamps. */
  gpuTime?(): Promise<number | null>;
  /** Read one output of the last iteration back to the CPU (used by checkWait). */
  readback?(): Promise<unknown>;
}

export interface Stats {
  median: number;
  min: number;
  n: number;
}

export function stats(xs: number[]): Stats {
  if (xs.length === 0) return { median: NaN, min: NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], n: s.length };
}

export interface Measured {
  wall: Stats;
  /** GPU time from timestamps, null when unavailable. */
  gpu: Stats | null;
}

export interface MeasureOptions {
  warmup: number;
  /** At most this many timed runs per runner... */
  maxRuns: number;
  /** ...and at least this many... */
  minRuns: number;
  /** ...as many as fit in this wall-time budget (estimated from the last warm-up round). */
  budgetMs: number;
  /** Runs timed by GPU timestamps (0 to skip), at most the number of wall runs. */
  gpuRuns: number;
}

async function wallOnce(r: Runner): Promise<number> {
  const t0 = performance.now();
  r.enqueue();
  await r.wait();
  const ms = performance.now() - t0;
  r.cleanup?.();
  return ms;
}

/**
 * Time several runners under identical conditions. Iterations are interleaved (a, b, a, b, ...) so slow drift of
 * a shared CPU (a software driver runs on the same cores as the JS) affects every side alike.
 */
export async function measureInterleaved(runners: Runner[], o: MeasureOptions): Promise<Measured[]> {
  let roundMs = 0;
  for (let i = 0; i < Math.max(1, o.warmup); i++) {
    roundMs = 0;
    for (const r of runners) roundMs += await wallOnce(r);
  }
  const runs = Math.max(o.minRuns, Math.min(o.maxRuns, Math.floor(o.budgetMs / Math.max(roundMs, 1e-3))));
  const wall: number[][] = runners.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < runners.length; j++) wall[j].push(await wallOnce(runners[j]));
  }
  const gpu: (number[] | null)[] = runners.map((r) => (r.gpuTime && o.gpuRuns > 0 ? [] : null));
  for (let i = 0; i < Math.min(o.gpuRuns, runs); i++) {
    for (let j = 0; j < runners.length; j++) {
      const list = gpu[j];
      if (!list) continue;
      const ms = await runners[j].gpuTime!();
      if (ms === null) gpu[j] = null;
      else list.push(ms);
    }
  }
  return runners.map((_, j) => ({ wall: stats(wall[j]), gpu: gpu[j] ? stats(gpu[j]!) : null }));
}

/**
 * Does wait() really wait for the GPU? Run once, wait, then time a readback of one output (a copy plus a map):
 * if the GPU were still busy the readback would absorb the remaining work and take about as long as the run.
 */
export async function checkWait(r: Runner): Promise<{ waitMs: number; readbackMs: number } | null> {
  if (!r.readback) return null;
  const t0 = performance.now();
  r.enqueue();
  await r.wait();
  const t1 = performance.now();
  await r.readback();
  const t2 = performance.now();
  r.cleanup?.();
  return { waitMs: t1 - t0, readbackMs: t2 - t1 };
}

/** Timestamps of one compute pass are [begin, end] pairs; this many passes can be timed per iteration. */
const MAX_PASSES = 16;

/**
 * GPU time of one iteration of our engine: every compute pass it records gets timestamps (the first through
 * `engine.nextPassTimestamps`, any later one — after a clear or copy ended the pass — by marking the open
 * encoder's beginComputePass), and the sum of the passes' (end - begin) is returned. Returns null when the
 * device has no timestamp-query or the recording submitted part-way (the spans would be incomplete).
 */
export function engineGpuTimer(e: GpuEngine): ((record: () => void) => Promise<number | null>) | null {
  if (!e.gpu.timestamps) return null;
  const device = e.device;
  const querySet = device.createQuerySet({ label: 'bench.timestamps', type: 'timestamp', count: 2 * MAX_PASSES });
  const resolve = device.createBuffer({
    label: 'bench.timestamps.resolve',
    size: 16 * MAX_PASSES,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const staging = device.createBuffer({
    label: 'bench.timestamps.staging',
    size: 16 * MAX_PASSES,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  return async (record) => {
    e.submit(); // nothing of an earlier iteration inside the measured passes
    const enc = e.getEncoder();
    let passes = 0;
    let overflow = false;
    const begin = enc.beginComputePass.bind(enc);
    enc.beginComputePass = (desc?: GPUComputePassDescriptor) => {
      const d: GPUComputePassDescriptor = { ...(desc ?? {}) };
      if (passes < MAX_PASSES) {
        d.timestampWrites ??= { querySet, beginningOfPassWriteIndex: 2 * passes, endOfPassWriteIndex: 2 * passes + 1 };
      } else overflow = true;
      passes++;
      return begin(d);
    };
    e.nextPassTimestamps = { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 };
    try {
      record();
    } finally {
      e.nextPassTimestamps = null;
    }
    e.endPass();
    const sameEncoder = e.getEncoder() === enc;
    if (!sameEncoder || overflow || passes === 0) {
      await e.sync();
      return null;
    }
    enc.resolveQuerySet(querySet, 0, 2 * passes, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, staging, 0, 16 * passes);
    await e.sync();
    await staging.mapAsync(GPUMapMode.READ, 0, 16 * passes);
    const t = new BigUint64Array(staging.getMappedRange(0, 16 * passes).slice(0));
    staging.unmap();
    let ns = 0n;
    for (let p = 0; p < passes; p++) ns += t[2 * p + 1] - t[2 * p];
    return Number(ns) / 1e6;
  };
}

/** Seeded float32 data in [-scale, scale) (mulberry32), so both sides see identical inputs. */
export function randomData(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = scale * (2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1);
  }
  return out;
}

/** max |a - b| / max |b|: how far our result is from the peer's on the same inputs. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m > 0 ? d / m : d;
}
