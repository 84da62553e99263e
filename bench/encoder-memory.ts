// `npm run bench:memory`: activation memory of USE-lite's WGSL encoder (src/model/encoder.ts) in a fine-tuning
// forward + backward, with and without per-layer recomputation, measured from the engine's buffer pool — the
// peak of live bytes above the level before the forward, and the largest single buffer — and set beside the
// browser's default WebGPU limits (128 MiB per storage binding, 256 MiB per buffer) and beside the analytic
// account src/model/memory.ts (encoderActivationBytes). Design decision: every shape is MEASURED (a real
// forward(batch, true) + backward on the GPU, sizes as the pool hands them out, i.e. rounded up to its size
// buckets); where one shape is too slow for this machine, a smaller B is measured and the linear extrapolation
// to the asked B is printed next to it, labelled as such — never in place of a measurement.
// Env: BENCH_MEM_B (comma list of batch sizes to measure, default "8,32"), BENCH_MEM_T (128), BENCH_MEM_TARGET_B
// (the batch the table extrapolates to, 32), BENCH_MEM_TRAINABLE (1: weights get gradients, as fine-tuning; 0:
// frozen, gradients reach the inputs only, as L-Tuning).
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import { nodeGpu } from '../src/gpu/node-gpu';
import { WgslEncoder } from '../src/model/encoder';
import type { TokenBatch } from '../src/model/inputs';
import { encoderActivationBytes, DEFAULT_LIMITS } from '../src/model/memory';
import { readEncoderSpec } from '../src/model/onnx-reader';
import type { EncoderSpec } from '../src/model/spec';
import { randomData } from './timing';

const MODEL = fileURLToPath(new URL('../public/models/use-lite/model.onnx', import.meta.url));
const MiB = 2 ** 20;

function listEnv(name: string, dflt: number[]): number[] {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${name} must be a comma list of positive integers, got "${v}"`);
  return xs;
}

const BS = listEnv('BENCH_MEM_B', [8, 32]);
const T = listEnv('BENCH_MEM_T', [128])[0];
const TARGET_B = listEnv('BENCH_MEM_TARGET_B', [32])[0];
const TRAINABLE = process.env.BENCH_MEM_TRAINABLE !== '0';

/** B rows of T real tokens each (the worst case: no padding), seeded ids in [1, V). */
function fullBatch(spec: EncoderSpec, B: number): TokenBatch {
  const r = randomData(B * T, 7);
  const ids = Uint32Array.from(r, (x) => 1 + Math.floor(((x + 1) / 2) * (spec.vocabSize - 2)));
  return { B, T, ids, mask: new Float32Array(B * T).fill(1), tokenTypes: null };
}

/** Buffers handed out by the pool, by label: the live set at the peak and the largest one (the pool counts bytes only). */
function watchPool(e: GpuEngine) {
  const pool = e.pool;
  const live = new Map<GPUBuffer, string>();
  let before = new Set<GPUBuffer>();
  const w = {
    largest: { bytes: 0, label: '' },
    atPeak: [] as { label: string; bytes: number }[],
    reset() {
      w.largest = { bytes: 0, label: '' };
      w.atPeak = [];
      before = new Set(live.keys());
      pool.resetPeak();
    },
  };
  const acquire = pool.acquire.bind(pool);
  const release = pool.release.bind(pool);
  pool.acquire = (bytes, usage, label) => {
    const buf = acquire(bytes, usage, label);
    live.set(buf, label);
    if (buf.size > w.largest.bytes) w.largest = { bytes: buf.size, label };
    if (pool.liveBytes >= pool.peakLiveBytes) w.atPeak = [...live].filter(([b]) => !before.has(b)).map(([b, l]) => ({ label: l, bytes: b.size }));
    return buf;
  };
  pool.release = (buf) => {
    release(buf);
    live.delete(buf);
  };
  return w;
}

interface Measured {
  B: number;
  recompute: boolean;
  /** Live pool bytes before the forward: weights (+ gradients when trainable), uniforms. */
  baseBytes: number;
  /** Peak live bytes above the base during forward + backward. */
  peakBytes: number;
  largestBytes: number;
  largestLabel: string;
  /** The biggest buffers alive at the peak (labels as the encoder names them). */
  topAtPeak: { label: string; bytes: number }[];
  /** encoderActivationBytes' total and largest buffer for the same shape. */
  accountBytes: number;
  accountLargest: { name: string; bytes: number };
  seconds: number;
}

async function measure(e: GpuEngine, spec: EncoderSpec, B: number, recompute: boolean): Promise<Measured> {
  const enc = new WgslEncoder(e, spec, { trainable: TRAINABLE, recompute });
  const batch = fullBatch(spec, B);
  const dPooled = e.tensor([B, enc.pooledWidth], 'bench.dPooled', randomData(B * enc.pooledWidth, 11, 0.01));
  await e.sync();
  const base = e.pool.liveBytes;
  const watch = watchPool(e);
  watch.reset();
  const t0 = performance.now();
  enc.forward(batch, true);
  const dX = enc.backward(null, dPooled, !TRAINABLE);
  await e.sync();
  const seconds = (performance.now() - t0) / 1000;
  dX?.release();
  const acc = encoderActivationBytes(spec, B, T, { recompute });
  const m: Measured = {
    B,
    recompute,
    baseBytes: base,
    peakBytes: e.pool.peakLiveBytes - base,
    largestBytes: watch.largest.bytes,
    largestLabel: watch.largest.label,
    topAtPeak: [...watch.atPeak].sort((a, b) => b.bytes - a.bytes).slice(0, 4),
    accountBytes: acc.totalBytes,
    accountLargest: { name: acc.largest.name, bytes: acc.largest.bytes },
    seconds,
  };
  dPooled.release();
  enc.dispose();
  await e.sync();
  return m;
}

const f1 = (bytes: number) => (bytes / MiB).toFixed(1);

function printTable(rows: { kind: string; m: Measured }[]): void {
  const head = ['B', 'T', 'recompute', 'what', 'peak live MiB', 'largest buffer MiB', 'largest buffer', 'account MiB', 'account largest MiB', 'fits 128/256 MiB', 'step s'];
  const body = rows.map(({ kind, m }) => [
    String(m.B),
    String(T),
    m.recompute ? 'yes' : 'no',
    kind,
    f1(m.peakBytes),
    f1(m.largestBytes),
    m.largestLabel || '-',
    f1(m.accountBytes),
    `${f1(m.accountLargest.bytes)} (${m.accountLargest.name})`,
    m.largestBytes <= DEFAULT_LIMITS.maxStorageBufferBindingSize && m.largestBytes <= DEFAULT_LIMITS.maxBufferSize ? 'yes' : 'NO',
    kind === 'measured' ? m.seconds.toFixed(1) : '-',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 3 || i === 6 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const b of body) console.log(line(b));
}

/** The measurement at B scaled linearly to `to` (every activation is proportional to B; the largest buffer too). */
function extrapolate(m: Measured, to: number, spec: EncoderSpec): Measured {
  const k = to / m.B;
  const acc = encoderActivationBytes(spec, to, T, { recompute: m.recompute });
  return {
    ...m,
    B: to,
    peakBytes: m.peakBytes * k,
    largestBytes: m.largestBytes * k,
    topAtPeak: [],
    accountBytes: acc.totalBytes,
    accountLargest: { name: acc.largest.name, bytes: acc.largest.bytes },
    seconds: NaN,
  };
}

async function main(): Promise<void> {
  const spec = readEncoderSpec(new Uint8Array(readFileSync(MODEL)));
  await nodeGpu();
  const gpu = await acquireGpu();
  const e = new GpuEngine(gpu);
  const load0 = loadavg()[0];
  console.log(`adapter: ${describeAdapter(gpu.report)}`);
  console.log(
    `encoder memory bench: USE-lite (${spec.layers.length} layers, E=${spec.embedWidth}, C=${spec.hiddenSize}, H=${spec.layers[0].heads}, FFN ${spec.layers[0].ffnIn.out}), ` +
      `T=${T} real tokens per row, B in {${BS.join(', ')}}, ${TRAINABLE ? 'trainable (fine-tuning)' : 'frozen (input gradients only)'}; ` +
      `load average ${load0.toFixed(2)} on ${availableParallelism()} CPUs`,
  );
  const measured: Measured[] = [];
  for (const B of BS) {
    for (const recompute of [false, true]) {
      const m = await measure(e, spec, B, recompute);
      measured.push(m);
      process.stderr.write(`  measured B=${B} recompute=${recompute}: ${f1(m.peakBytes)} MiB peak, ${m.seconds.toFixed(1)} s\n`);
    }
  }
  const rows: { kind: string; m: Measured }[] = measured.map((m) => ({ kind: 'measured', m }));
  const smallest = Math.min(...BS);
  const extrapolated: Measured[] = [];
  if (smallest !== TARGET_B) {
    for (const m of measured.filter((x) => x.B === smallest)) {
      const x = extrapolate(m, TARGET_B, spec);
      extrapolated.push(x);
      rows.push({ kind: `extrapolated from B=${smallest}`, m: x });
    }
  }
  console.log('');
  printTable(rows);
  console.log(
    `\npeak live MiB = the buffer pool's high-water mark of live bytes during one forward(batch, true) + backward, above ` +
      `what was live before it (weights${TRAINABLE ? ', their gradients' : ''}: ${f1(measured[0].baseBytes)} MiB, not counted); sizes as the pool ` +
      'allocates them (rounded up to its size buckets). account = src/model/memory.ts encoderActivationBytes (exact bytes of ' +
      'the saved activations at the backward\'s peak; the measured peak adds the backward\'s own transient gradients). ' +
      `Browser defaults: ${DEFAULT_LIMITS.maxStorageBufferBindingSize / MiB} MiB per storage binding, ${DEFAULT_LIMITS.maxBufferSize / MiB} MiB per buffer. ` +
      `"extrapolated" rows are the B=${smallest} measurement times ${TARGET_B}/${smallest}, NOT measurements.`,
  );
  for (const m of measured) {
    console.log(`  B=${m.B} recompute=${m.recompute ? 'yes' : 'no'}: largest live at the peak: ${m.topAtPeak.map((b) => `${b.label} ${f1(b.bytes)}`).join(', ')}`);
  }
  console.log(`load average: ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (other processes share these CPUs)`);
  const js = (m: Measured) => ({
    B: m.B,
    T,
    recompute: m.recompute,
    peak_live_mib: Number(f1(m.peakBytes)),
    largest_buffer_mib: Number(f1(m.largestBytes)),
    largest_buffer: m.largestLabel || null,
    account_mib: Number(f1(m.accountBytes)),
    account_largest_mib: Number(f1(m.accountLargest.bytes)),
    account_largest: m.accountLargest.name,
    base_mib: Number(f1(m.baseBytes)),
    seconds: Number.isFinite(m.seconds) ? Number(m.seconds.toFixed(2)) : null,
  });
  console.log(
    JSON.stringify({
      bench: 'encoder-memory',
      model: 'use-lite',
      adapter: { description: gpu.report.description, fallback: gpu.report.isFallbackAdapter },
      trainable: TRAINABLE,
      limits_mib: { binding: DEFAULT_LIMITS.maxStorageBufferBindingSize / MiB, buffer: DEFAULT_LIMITS.maxBufferSize / MiB },
      measured: measured.map(js),
      extrapolated: extrapolated.map((m) => ({ ...js(m), from_B: smallest })),
      load_average: [load0, loadavg()[0]],
    }),
  );
  const errors = [...gpu.uncapturedErrors];
  e.destroy();
  gpu.destroy();
  if (errors.length) throw new Error(`uncaptured WebGPU errors (measurements invalid):\n${errors.join('\n')}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
