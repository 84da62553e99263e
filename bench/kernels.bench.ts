// `npm run bench:kernels`: GFLOP/s of our WGSL matmul (linear layer) and attention kernels, forward and backward,
// at head-sized shapes, next to the same computation in tfjs (@tensorflow/tfjs-backend-webgpu) on the same
// adapter. Design decision: both sides share one Dawn instance and are timed identically (bench/timing.ts): wall
// time from enqueue until the queue reports the work done, median and min of N interleaved runs after warm-up;
// GPU timestamps in separate runs. Every row is cross-checked: our outputs vs tfjs's on identical inputs.
// Prints a table, then ONE JSON line. Env: BENCH_RUNS (most timed runs per row, 15), BENCH_MIN_RUNS (5),
// BENCH_CASE_BUDGET_S (wall-time budget per row that picks N between them, 15), BENCH_WARMUP (3), BENCH_GPU_RUNS (5).
import { availableParallelism, loadavg } from 'node:os';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine, type GpuTensor } from '../src/gpu/engine';
import { nodeGpu } from '../src/gpu/node-gpu';
import { linearBackward, linearForward } from '../src/kernels/matmul';
import { attentionBackward, attentionForward } from '../src/kernels/attention';
import { attentionPeer, initTfjs, installNavigatorGpu, linearPeer, tfOutputs, tfRunner, type PeerCase, type TfjsPeer } from './tfjs-peer';
import { checkWait, engineGpuTimer, measureInterleaved, randomData, relDiff, type Measured, type Runner } from './timing';

const RUNS = intEnv('BENCH_RUNS', 15);
const MIN_RUNS = Math.min(RUNS, intEnv('BENCH_MIN_RUNS', 5));
const CASE_BUDGET_S = intEnv('BENCH_CASE_BUDGET_S', 15);
const WARMUP = intEnv('BENCH_WARMUP', 3);
const GPU_RUNS = intEnv('BENCH_GPU_RUNS', 5);

function intEnv(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
}

/** One row of the table: our side (null when not available) and the tfjs side of the same computation. */
interface Case {
  name: string;
  flops: number;
  ours: Runner | null;
  tfjs: Runner;
  /** Run both once on identical inputs; max |ours - tfjs| / max |tfjs| over all outputs. */
  check: () => Promise<number | null>;
}

interface Row {
  name: string;
  flops: number;
  /** Timed runs per side. */
  n: number;
  ours: Measured | null;
  tfjs: Measured;
  diff: number | null;
}

function engineRunner(e: GpuEngine, record: () => void, output: GpuTensor): Runner {
  const timer = engineGpuTimer(e);
  return {
    enqueue: record,
    wait: () => e.sync(),
    readback: () => e.read(output),
    gpuTime: timer ? () => timer(record) : undefined,
  };
}

async function compare(ours: GpuTensor[], peer: TfjsPeer, fn: PeerCase['fwd']): Promise<number> {
  const theirs = await tfOutputs(peer, fn);
  if (theirs.length !== ours.length) throw new Error(`cross-check: ${ours.length} outputs vs tfjs ${theirs.length}`);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = relDiff(await ours[i].read(), theirs[i]);
    worst = Number.isNaN(d) || Number.isNaN(worst) ? NaN : Math.max(worst, d);
  }
  return worst;
}

// ---- linear: x (rows, K) @ W (K, N) + b ------------------------------------------------------------------

function linearCases(e: GpuEngine, peer: TfjsPeer, s: { rows: number; K: number; N: number }, tag: string): { cases: Case[]; dispose: () => void } {
  const data = {
    x: randomData(s.rows * s.K, 1),
    W: randomData(s.K * s.N, 2, 1 / Math.sqrt(s.K)),
    b: randomData(s.N, 3),
    dY: randomData(s.rows * s.N, 4),
  };
  const x = e.tensor([s.rows, s.K], 'bench.x', data.x); // (rows, K)
  const W = e.tensor([s.K, s.N], 'bench.W', data.W); // (K, N)
  const b = e.tensor([s.N], 'bench.b', data.b); // (N)
  const dY = e.tensor([s.rows, s.N], 'bench.dY', data.dY); // (rows, N)
  const y = e.tensor([s.rows, s.N], 'bench.y'); // (rows, N)
  const dX = e.tensor([s.rows, s.K], 'bench.dX'); // (rows, K)
  const dW = e.zeros([s.K, s.N], 'bench.dW'); // (K, N), accumulates
  const db = e.zeros([s.N], 'bench.db'); // (N), accumulates
  const fwd = () => linearForward(e, x, W, b, y, s);
  const bwd = () => linearBackward(e, { x, W, dY, dX, dW, db }, s);
  const tf = linearPeer(peer, data, s);
  const gemm = 2 * s.rows * s.K * s.N;
  const zeroGrads = () => {
    e.clear(dW);
    e.clear(db);
  };
  const cases: Case[] = [
    { name: `${tag} fwd`, flops: gemm, ours: engineRunner(e, fwd, y), tfjs: tfRunner(peer, tf.fwd), check: async () => (fwd(), compare([y], peer, tf.fwd)) },
    {
      name: `${tag} bwd`,
      flops: 2 * gemm,
      ours: engineRunner(e, bwd, dX),
      tfjs: tfRunner(peer, tf.bwd),
      check: async () => (zeroGrads(), bwd(), compare([dX, dW, db], peer, tf.bwd)),
    },
    {
      name: `${tag} fwd+bwd`,
      flops: 3 * gemm,
      ours: engineRunner(e, () => (fwd(), bwd()), y),
      tfjs: tfRunner(peer, tf.fwdbwd),
      check: async () => (zeroGrads(), fwd(), bwd(), compare([y, dX, dW, db], peer, tf.fwdbwd)),
    },
  ];
  return { cases, dispose: () => (tf.dispose(), [x, W, b, dY, y, dX, dW, db].forEach((t) => t.release())) };
}

// ---- attention: B x H heads, Lq queries over Lk keys with a key padding mask ------------------------------

interface AttnShape {
  B: number;
  Lq: number;
  Lk: number;
  H: number;
  dh: number;
  scale: number;
}

function attentionCases(e: GpuEngine, peer: TfjsPeer, s: AttnShape, tag: string, padded: boolean): { cases: Case[]; dispose: () => void } {
  const { B, Lq, Lk, H, dh } = s;
  const D = H * dh;
  // Padded: each example keeps its first 1/4..all keys (right padding), at least one; else no mask at all.
  let keyMask: Float32Array | null = null;
  if (padded) {
    keyMask = new Float32Array(B * Lk);
    const lens = randomData(B, 9);
    for (let bi = 0; bi < B; bi++) {
      const len = Math.max(1, Math.round(Lk * (0.625 + 0.375 * lens[bi])));
      for (let j = 0; j < len; j++) keyMask[bi * Lk + j] = 1;
    }
  }
  const data = { q: randomData(B * Lq * D, 11), k: randomData(B * Lk * D, 12), v: randomData(B * Lk * D, 13), keyMask, dOut: randomData(B * Lq * D, 14) };
  const q = e.tensor([B, Lq, D], 'bench.q', data.q); // (B, Lq, H*dh)
  const k = e.tensor([B, Lk, D], 'bench.k', data.k); // (B, Lk, H*dh)
  const v = e.tensor([B, Lk, D], 'bench.v', data.v); // (B, Lk, H*dh)
  const mask = keyMask ? e.tensor([B, Lk], 'bench.keyMask', keyMask) : null; // (B, Lk): 1 keep, 0 padding
  const dOut = e.tensor([B, Lq, D], 'bench.dOut', data.dOut); // (B, Lq, H*dh)
  const out = e.tensor([B, Lq, D], 'bench.out'); // (B, Lq, H*dh)
  const probs = e.tensor([B, H, Lq, Lk], 'bench.probs'); // (B, H, Lq, Lk)
  const dQ = e.tensor([B, Lq, D], 'bench.dQ'); // (B, Lq, H*dh)
  const dK = e.tensor([B, Lk, D], 'bench.dK'); // (B, Lk, H*dh)
  const dV = e.tensor([B, Lk, D], 'bench.dV'); // (B, Lk, H*dh)
  const dScores = e.tensor([B, H, Lq, Lk], 'bench.dScores'); // (B, H, Lq, Lk) backward workspace
  const fwd = () => attentionForward(e, { q, k, v, keyMask: mask, out, probs }, s);
  const bwd = () => attentionBackward(e, { q, k, v, probs, dOut, dQ, dK, dV, dScores }, s);
  const tf = attentionPeer(peer, data, s);
  const gemm = 2 * B * H * Lq * Lk * dh;
  const cases: Case[] = [
    { name: `${tag} fwd`, flops: 2 * gemm, ours: engineRunner(e, fwd, out), tfjs: tfRunner(peer, tf.fwd), check: async () => (fwd(), compare([out, probs], peer, tf.fwd)) },
    { name: `${tag} bwd`, flops: 4 * gemm, ours: engineRunner(e, bwd, dQ), tfjs: tfRunner(peer, tf.bwd), check: async () => (fwd(), bwd(), compare([dQ, dK, dV], peer, tf.bwd)) },
    {
      name: `${tag} fwd+bwd`,
      flops: 6 * gemm,
      ours: engineRunner(e, () => (fwd(), bwd()), out),
      tfjs: tfRunner(peer, tf.fwdbwd),
      check: async () => (fwd(), bwd(), compare([out, dQ, dK, dV], peer, tf.fwdbwd)),
    },
  ];
  return { cases, dispose: () => (tf.dispose(), [q, k, v, dOut, out, probs, dQ, dK, dV, dScores, ...(mask ? [mask] : [])].forEach((t) => t.release())) };
}

// ---- report --------------------------------------------------------------------------------------------

const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const gflops = (flops: number, ms: number | undefined): number | null => (ms && ms > 0 ? flops / ms / 1e6 : null);
const sig = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const round = (x: number | null, digits = 4): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(digits)));

function printTable(rows: Row[]): void {
  const head = ['case', 'N', 'MFLOP', 'ours ms med (min)', 'tfjs ms med (min)', 'ours GF/s', 'tfjs GF/s', 'ratio', 'ratio(min)', 'ours gpu ms', 'tfjs gpu ms', 'max rel diff'];
  const body = rows.map((r) => [
    r.name,
    String(r.n),
    fmt(r.flops / 1e6, 1),
    r.ours ? `${fmt(r.ours.wall.median)} (${fmt(r.ours.wall.min)})` : 'n/a',
    `${fmt(r.tfjs.wall.median)} (${fmt(r.tfjs.wall.min)})`,
    sig(r.ours ? gflops(r.flops, r.ours.wall.median) : null),
    sig(gflops(r.flops, r.tfjs.wall.median)),
    r.ours ? fmt(r.tfjs.wall.median / r.ours.wall.median) : '-',
    r.ours ? fmt(r.tfjs.wall.min / r.ours.wall.min) : '-',
    fmt(r.ours?.gpu?.median),
    fmt(r.tfjs.gpu?.median),
    r.diff === null ? '-' : r.diff.toExponential(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  // One Dawn instance for both sides: tfjs-backend-webgpu looks for navigator.gpu when it is imported, and
  // acquireGpu() takes navigator.gpu when it exists.
  const { gpu: dawn } = await nodeGpu();
  installNavigatorGpu(dawn);
  const gpu = await acquireGpu({ timestamps: true });
  const report = { ...gpu.report, host: 'node' as const };
  const e = new GpuEngine(gpu);
  const peer = await initTfjs();
  console.log(`adapter: ${describeAdapter(report)}`);
  const load0 = loadavg()[0];
  console.log(
    `tfjs ${peer.version} (webgpu backend) | N = ${MIN_RUNS}..${RUNS} timed runs per side (as many as fit ${CASE_BUDGET_S} s ` +
      `per row) after ${WARMUP} warm-up, then ${GPU_RUNS} GPU-timestamp runs | timestamps: ours ${gpu.timestamps ? 'yes' : 'no'}, ` +
      `tfjs ${peer.timestamps ? 'yes' : 'no'} | load average ${load0.toFixed(2)} on ${availableParallelism()} CPUs`,
  );

  const groups = [
    () => linearCases(e, peer, { rows: 2048, K: 512, N: 128 }, 'linear 2048x512x128'),
    () => attentionCases(e, peer, { B: 32, Lq: 4, Lk: 64, H: 4, dh: 32, scale: 1 / Math.sqrt(32) }, 'cross-attn B32 L4 T64 H4x32', true),
    () => attentionCases(e, peer, { B: 32, Lq: 4, Lk: 4, H: 4, dh: 32, scale: 1 / Math.sqrt(32) }, 'self-attn B32 L4 L4 H4x32', false),
  ];
  const rows: Row[] = [];
  const waitChecks: string[] = [];
  const t0 = performance.now();
  for (const make of groups) {
    const { cases, dispose } = make();
    for (const c of cases) {
      const diff = await c.check();
      const runners = c.ours ? [c.ours, c.tfjs] : [c.tfjs];
      const opts = { warmup: WARMUP, maxRuns: RUNS, minRuns: MIN_RUNS, budgetMs: CASE_BUDGET_S * 1000, gpuRuns: GPU_RUNS };
      const m = await measureInterleaved(runners, opts);
      if (rows.length === 0) {
        // After warm-up, on the longest-running row: a readback right after wait() must find the GPU idle.
        for (const [side, r] of [['ours', c.ours], ['tfjs', c.tfjs]] as const) {
          const w = r ? await checkWait(r) : null;
          if (w) waitChecks.push(`${side} wait ${fmt(w.waitMs)} ms, readback after it ${fmt(w.readbackMs)} ms`);
        }
      }
      rows.push({ name: c.name, flops: c.flops, n: m[0].wall.n, ours: c.ours ? m[0] : null, tfjs: m[m.length - 1], diff });
      process.stderr.write(`  done: ${c.name} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
    dispose();
  }
  const load1 = loadavg()[0];

  console.log('');
  printTable(rows);
  console.log(
    '\nms = wall time from enqueue until the queue reported the work done (median of N, min in parentheses); ' +
      'GF/s from the median; ratio = tfjs ms / ours ms (> 1: ours faster), ratio(min) the same from the minima.\n' +
      'gpu ms = timestamp-query: ours the span of its compute pass(es), tfjs tf.time() kernelMs (sum over its ' +
      'kernels, each in its own pass). max rel diff = max |ours - tfjs| / max |tfjs| over all outputs.',
  );
  console.log(`wait check (${rows[0]?.name}): ${waitChecks.join('; ')}`);
  console.log(`load average: ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end (other processes share these CPUs)`);
  for (const r of rows) {
    for (const [side, m] of [['ours', r.ours], ['tfjs', r.tfjs]] as const) {
      if (m?.gpu && m.wall.min < 0.5 * m.gpu.min) {
        console.log(`WARNING: ${r.name} ${side}: wall min ${fmt(m.wall.min)} ms < half the GPU min ${fmt(m.gpu.min)} ms`);
      }
    }
    if (r.ours && (r.diff === null || !(r.diff < 1e-3))) console.log(`WARNING: ${r.name}: ours and tfjs disagree (max rel diff ${r.diff})`);
  }

  const json = {
    bench: 'kernels',
    adapter: {
      vendor: report.vendor,
      architecture: report.architecture,
      device: report.device,
      description: report.description,
      fallback: report.isFallbackAdapter,
      host: report.host,
    },
    tfjs: peer.version,
    warmup: WARMUP,
    gpu_runs: GPU_RUNS,
    load_average: [round(load0, 3), round(load1, 3)],
    results: rows.map((r) => ({
      name: r.name,
      n: r.n,
      mflop: round(r.flops / 1e6),
      ours_ms: round(r.ours?.wall.median ?? null),
      tfjs_ms: round(r.tfjs.wall.median),
      ours_min_ms: round(r.ours?.wall.min ?? null),
      tfjs_min_ms: round(r.tfjs.wall.min),
      ours_gflops: round(r.ours ? gflops(r.flops, r.ours.wall.median) : null),
      tfjs_gflops: round(gflops(r.flops, r.tfjs.wall.median)),
      ratio: round(r.ours ? r.tfjs.wall.median / r.ours.wall.median : null),
      ratio_min: round(r.ours ? r.tfjs.wall.min / r.ours.wall.min : null),
      ours_gpu_ms: round(r.ours?.gpu?.median ?? null),
      tfjs_gpu_ms: round(r.tfjs.gpu?.median ?? null),
      max_rel_diff: round(r.diff, 3),
    })),
  };

  await e.sync();
  const errors = [...gpu.uncapturedErrors];
  e.destroy();
  gpu.destroy();
  peer.tf.engine().reset();
  peer.device.destroy();
  if (errors.length) throw new Error(`uncaptured WebGPU errors:\n${errors.join('\n')}`);
  console.log(JSON.stringify(json));
}

main().then(
  () => process.exit(0), // a Dawn instance keeps Node alive
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
