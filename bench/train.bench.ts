// `npm run bench:train`: training examples per second and peak memory of each label head's full training step
// (forward, loss, backward, grad-norm clip, AdamW) through our Trainer, next to the same head written in tfjs
// (bench/tfjs-heads.ts: @tensorflow/tfjs-backend-webgpu + autodiff) on the same adapter and Dawn instance, and
// next to the float64 CPU reference (bench/train-reference.ts). Design decision: our side is timed through
// Trainer.step on a fixed packed batch — the exact code path `Trainer.fit` runs each step — and before any timing
// all three sides take two steps from the SAME parameters and must report the same losses (printed), so the
// comparison is of one computation. Prints a table, then ONE JSON line.
// Env: BENCH_RUNS (most timed steps per side, 10), BENCH_MIN_RUNS (7), BENCH_CASE_BUDGET_S (wall-time budget per
// head that picks N between them, 60), BENCH_WARMUP (3), BENCH_HEADS (comma list, default all five),
// BENCH_B / BENCH_T / BENCH_C / BENCH_L (32 / 32 / 512 / 4).
import { availableParallelism, loadavg } from 'node:os';
import { buildHead, headTrainDefaults, type HeadKind } from '../src/heads/registry';
import { mulberry32 } from '../src/data/random';
import type { EncodedExample } from '../src/encoder/types';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import { nodeGpu } from '../src/gpu/node-gpu';
import type { Head } from '../src/heads/head';
import { LabelTuningHead } from '../src/heads/label-tuning';
import { LinearHead } from '../src/heads/linear';
import { LTuningPrefixHead } from '../src/heads/ltuning-prefix';
import { LTuningPromptHead } from '../src/heads/ltuning-prompt';
import { YTuningHead } from '../src/heads/ytuning';
import { packBatch, type TrainExample } from '../src/train/batches';
import { learningRate } from '../src/train/schedule';
import { DEFAULT_TRAIN_OPTIONS, Trainer, type TrainOptions } from '../src/train/trainer';
import { meterPool, meterTfjs } from './meters';
import { benchFinetune } from './train-finetune';
import type { Losses, Row } from './train-row';
import { initTfjs, installNavigatorGpu, type TfjsPeer } from './tfjs-peer';
import { createTfAdamW, createTfHead, tfTrainStep, type AdamWConfig, type ParamInit, type TfBatch, type TfHeadSpec, type TfLoss } from './tfjs-heads';
import { createRefStepper, type RefBatch, type RefLoss } from './train-reference';
import { measureInterleaved, randomData, type Runner } from './timing';

const RUNS = intEnv('BENCH_RUNS', 10);
const MIN_RUNS = Math.min(RUNS, intEnv('BENCH_MIN_RUNS', 7));
const CASE_BUDGET_S = intEnv('BENCH_CASE_BUDGET_S', 60);
const WARMUP = intEnv('BENCH_WARMUP', 3);
const B = intEnv('BENCH_B', 32);
const T = intEnv('BENCH_T', 32);
const C = intEnv('BENCH_C', 512);
const L = intEnv('BENCH_L', 4);
const ALL_HEADS: HeadKind[] = ['ytuning', 'label-attn-prefix', 'label-attn-prompt', 'linear', 'label', 'finetune'];
/** The finetune row's batch: the whole encoder trains, and the float64 reference runs it too. */
const FT_B = intEnv('BENCH_FT_B', 8);
const FT_T = intEnv('BENCH_FT_T', 32);
const FT_REF_RUNS = intEnv('BENCH_FT_REF_RUNS', 3);
const HEADS = headsEnv();
/** The schedule's horizon (warm-up is 6% of it): every side follows the same learning rates step by step. */
const TOTAL_STEPS = 1000;
/** |ours - tfjs| step-0 loss tolerance (float32 on both sides; different reduction orders). */
const LOSS_TOL = 1e-4;
/**
 * The same after one clip + AdamW step. Tighter than it looks: the first Adam step moves every parameter by about
 * lr * sign(g), so a side that skipped or mis-scaled part of its update lands ~1e-4 away, while float32 rounding
 * alone stays near 1e-6 (seen: 1e-6 ytuning, 1e-6 L-Tuning, 0 linear/label).
 */
const LOSS1_TOL = 2e-5;
const MiB = 1024 * 1024;

function intEnv(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
}

function headsEnv(): HeadKind[] {
  const v = process.env.BENCH_HEADS;
  if (!v) return ALL_HEADS;
  const list = v.split(',').map((s) => s.trim()) as HeadKind[];
  for (const h of list) if (!ALL_HEADS.includes(h)) throw new Error(`BENCH_HEADS: unknown head "${h}" (use a comma list of ${ALL_HEADS.join(', ')})`);
  return list;
}

// ---- data: one fixed batch of synthetic cached features and L label texts --------------------------------

function unit(x: Float32Array): Float32Array {
  const n = Math.hypot(...x) || 1;
  return x.map((v) => v / n);
}

/** B examples: token states in [-1, 1), lengths T/4..T (the first exactly T, so the batch pads to T), unit pooled vectors. */
function syntheticExamples(): TrainExample[] {
  const lens = randomData(B, 21);
  const labels = randomData(B, 22);
  return Array.from({ length: B }, (_, b) => {
    const length = b === 0 ? T : Math.max(1, Math.round(T * (0.625 + 0.375 * lens[b])));
    const features: EncodedExample = { tokens: randomData(length * C, 100 + b), length, pooled: unit(randomData(C, 200 + b)) };
    return { features, label: Math.min(L - 1, Math.floor(((labels[b] + 1) / 2) * L)) };
  });
}

/** Label texts of 2, 3, 4, 5, ... tokens through the "encoder": token states and unit pooled seeds. */
function syntheticLabels(): EncodedExample[] {
  return Array.from({ length: L }, (_, l) => {
    const length = 2 + (l % 4);
    return { tokens: randomData(length * C, 300 + l), length, pooled: unit(randomData(C, 400 + l)) };
  });
}

/** The match objective's per-step targets and weights: a copy of Trainer.matchTargets (the loss check guards it). */
function matchTargets(labels: Uint32Array, seed: number, stepCount: number): { targets: Float32Array; weights: Float32Array } {
  const rand = mulberry32((Math.imul(seed, 0x9e3779b1) + stepCount) >>> 0);
  const targets = new Float32Array(B * L);
  const weights = new Float32Array(B * L);
  labels.forEach((y, b) => {
    targets[b * L + y] = 1;
    weights[b * L + y] = 1;
    if (L > 1) weights[b * L + ((y + 1 + Math.floor(rand() * (L - 1))) % L)] = 1;
  });
  return { targets, weights };
}

// ---- one head ------------------------------------------------------------------------------------------

function specOf(head: Head): TfHeadSpec {
  if (head instanceof YTuningHead) return { kind: 'ytuning', cfg: head.config };
  if (head instanceof LTuningPrefixHead || head instanceof LTuningPromptHead) return { kind: head.kind, cfg: head.config };
  if (head instanceof LinearHead) {
    if (head.config.pair) throw new Error('bench: the linear peer covers single texts only');
    return { kind: 'linear', C: head.D, L: head.labels };
  }
  if (head instanceof LabelTuningHead) return { kind: 'label', C: head.config.C, L: head.labels, scale: head.scale };
  throw new Error(`bench: no tfjs peer for head kind "${head.kind}"`);
}

async function benchHead(gpu: Awaited<ReturnType<typeof acquireGpu>>, peer: TfjsPeer, tfMeter: ReturnType<typeof meterTfjs>, kind: HeadKind, examples: TrainExample[], labelFeatures: EncodedExample[]): Promise<Row> {
  const { tf } = peer;
  // ours: a fresh engine per head, so its pool meter counts this head alone
  const e = new GpuEngine(gpu);
  const pool = meterPool(e.pool);
  const head = buildHead(e, kind, { C, labels: L, pair: false, labelFeatures, seed: 0 });
  const defaults = headTrainDefaults(kind);
  const opts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, lr: defaults.lr, objective: defaults.objective, batchSize: B, seed: 0 };
  const trainer = new Trainer(e, head, opts);
  const batch = packBatch(e, examples, examples.map((_, i) => i), opts.tmax);
  const params: ParamInit[] = [];
  for (const p of head.params) params.push({ name: p.name, shape: p.value.shape, decay: p.decay, value: await p.value.read() });
  const nParams = params.reduce((a, p) => a + p.value.length, 0);
  const adamw: AdamWConfig = { beta1: opts.beta1, beta2: opts.beta2, eps: opts.eps, weightDecay: opts.weightDecay, maxGradNorm: opts.maxGradNorm };
  const lrAt = (s: number) => learningRate(s, { lr: opts.lr, totalSteps: TOTAL_STEPS, warmupSteps: Math.round(opts.warmupFraction * TOTAL_STEPS), decay: opts.decay });
  const spec = specOf(head);

  // tfjs peer from the same parameters and the same batch
  const tfBase = { gpu: tfMeter.gpuUsed(), tensor: tfMeter.tensorBytes() };
  const tfHead = createTfHead(tf, spec, params);
  if (tfHead.vars.length !== head.params.length) throw new Error(`${kind}: tfjs peer has ${tfHead.vars.length} variables, ours ${head.params.length}`);
  const opt = createTfAdamW(tf, tfHead);
  const tfBatch: TfBatch = { B, T: batch.T, tokens: tf.tensor(await batch.tokens.read(), [B, batch.T, C]), mask: tf.tensor(await batch.mask.read(), [B, batch.T]), pooled: tf.tensor(await batch.pooled.read(), [B, C]) };
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(batch.labels), 'int32'), L), 'float32'));
  const tfLossAt = (s: number): { loss: TfLoss; dispose: () => void } => {
    if (opts.objective === 'softmax') return { loss: { kind: 'softmax', onehot }, dispose: () => {} };
    const mt = matchTargets(batch.labels, opts.seed, s);
    const targets = tf.tensor1d(mt.targets);
    const weights = tf.tensor1d(mt.weights);
    return { loss: { kind: 'match', targets, weights }, dispose: () => tf.dispose([targets, weights]) };
  };

  // float64 reference from the same parameters and the same batch
  const refBatch: RefBatch = { B, T: batch.T, F: Float64Array.from(await batch.tokens.read()), mask: Float64Array.from(await batch.mask.read()), pooled: Float64Array.from(await batch.pooled.read()) };
  const ref = createRefStepper(spec, params, refBatch, adamw);
  const refLossAt = (s: number): RefLoss => {
    if (opts.objective === 'softmax') return { kind: 'softmax', labels: batch.labels };
    const mt = matchTargets(batch.labels, opts.seed, s);
    return { kind: 'match', targets: Float64Array.from(mt.targets), weights: Float64Array.from(mt.weights) };
  };

  let tfStep = 0;
  let refStep = 0;
  let tfOut: import('@tensorflow/tfjs').Tensor | null = null;
  const tfEnqueue = () => {
    const s = tfStep++;
    const l = tfLossAt(s);
    tfOut = tfTrainStep(tf, tfHead, opt, adamw, tfBatch, l.loss, lrAt(s), s + 1);
    l.dispose();
  };

  pool.reset();
  tfMeter.reset();
  // Same computation? Two steps on every side from identical parameters: the losses before each update.
  const losses: Losses = { ours: [], tfjs: [], ref: [] };
  for (let s = 0; s < 2; s++) {
    trainer.step(batch, TOTAL_STEPS);
    losses.ours.push(await trainer.lastLoss());
    tfEnqueue();
    losses.tfjs.push((await tfOut!.data())[0]);
    tfOut!.dispose();
    losses.ref.push(ref.step(refLossAt(refStep), lrAt(refStep), refStep + 1));
    refStep++;
  }
  const lossOk =
    Math.abs(losses.ours[0] - losses.tfjs[0]) <= LOSS_TOL &&
    Math.abs(losses.ours[0] - losses.ref[0]) <= LOSS_TOL &&
    Math.abs(losses.ours[1] - losses.tfjs[1]) <= LOSS1_TOL &&
    Math.abs(losses.ours[1] - losses.ref[1]) <= LOSS1_TOL;

  const runners: Runner[] = [
    { enqueue: () => void trainer.step(batch, TOTAL_STEPS), wait: () => e.sync() },
    {
      enqueue: tfEnqueue,
      wait: () => peer.wait(),
      cleanup: () => {
        tfOut?.dispose();
        tfOut = null;
      },
    },
    {
      enqueue: () => {
        ref.step(refLossAt(refStep), lrAt(refStep), refStep + 1);
        refStep++;
      },
      wait: async () => {},
    },
  ];
  const [ours, tfjs, refM] = await measureInterleaved(runners, { warmup: WARMUP, maxRuns: RUNS, minRuns: MIN_RUNS, budgetMs: CASE_BUDGET_S * 1000, gpuRuns: 0 });
  const row: Row = {
    head: kind,
    B,
    T: batch.T,
    objective: opts.objective,
    params: nParams,
    n: ours.wall.n,
    ours,
    tfjs,
    ref: refM,
    oursPeak: pool.peak,
    tfjsPeakGpu: tfMeter.peakGpu - tfBase.gpu,
    tfjsPeakTensor: tfMeter.peakTensor - tfBase.tensor,
    refRss: ref.peakRssDelta,
    losses,
    lossOk,
  };

  await e.sync();
  batch.release();
  trainer.dispose();
  head.dispose();
  e.destroy();
  tfHead.dispose();
  opt.dispose();
  tf.dispose([tfBatch.tokens, tfBatch.mask, tfBatch.pooled, onehot]);
  await peer.wait();
  return row;
}

// ---- report --------------------------------------------------------------------------------------------

const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const exs = (r: Row, ms: number): number => (r.B * 1000) / ms;
const sig = (x: number): string => (!Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const round = (x: number | null, digits = 4): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(digits)));

function printTable(rows: Row[]): void {
  const head = ['head', 'B x T', 'params', 'N', 'ours ms med (min)', 'tfjs ms med (min)', 'ref ms med', 'ours ex/s', 'tfjs ex/s', 'ratio', 'ratio(min)', 'ref ex/s', 'ours MiB', 'tfjs MiB', 'tfjs tensor MiB', 'ref RSS+ MiB'];
  const body = rows.map((r) => [
    r.head,
    `${r.B} x ${r.T}`,
    String(r.params),
    String(r.n),
    `${fmt(r.ours.wall.median)} (${fmt(r.ours.wall.min)})`,
    `${fmt(r.tfjs.wall.median)} (${fmt(r.tfjs.wall.min)})`,
    fmt(r.ref.wall.median, 1),
    sig(exs(r, r.ours.wall.median)),
    sig(exs(r, r.tfjs.wall.median)),
    fmt(r.tfjs.wall.median / r.ours.wall.median),
    fmt(r.tfjs.wall.min / r.ours.wall.min),
    sig(exs(r, r.ref.wall.median)),
    fmt(r.oursPeak / MiB),
    fmt(r.tfjsPeakGpu / MiB),
    fmt(r.tfjsPeakTensor / MiB),
    fmt(r.refRss / MiB, 1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  // One Dawn instance for both sides (see bench/kernels.bench.ts).
  const { gpu: dawn } = await nodeGpu();
  installNavigatorGpu(dawn);
  const gpu = await acquireGpu();
  const report = { ...gpu.report, host: 'node' as const };
  const peer = await initTfjs();
  const tfMeter = meterTfjs(peer);
  // tfjs owns its own device: collect its validation errors too (an invalid pipeline drops a whole command buffer,
  // which would make its steps look cheaper than they are).
  const tfErrors: string[] = [];
  peer.device.addEventListener('uncapturederror', (ev) => tfErrors.push((ev as GPUUncapturedErrorEvent).error.message));
  console.log(`adapter: ${describeAdapter(report)}`);
  const load0 = loadavg()[0];
  console.log(
    `tfjs ${peer.version} (webgpu backend) | B=${B} T=${T} C=${C} L=${L}, heads' defaults (d=64, H=4, N=1, m=4); finetune: USE-lite from public/models/use-lite/model.onnx, B=${FT_B} T=${FT_T} | ` +
      `N = ${MIN_RUNS}..${RUNS} timed steps per side (as many as fit ${CASE_BUDGET_S} s per head) after ${WARMUP} warm-up | ` +
      `load average ${load0.toFixed(2)} on ${availableParallelism()} CPUs`,
  );
  const examples = syntheticExamples();
  const labelFeatures = syntheticLabels();
  const rows: Row[] = [];
  const t0 = performance.now();
  for (const kind of HEADS) {
    const r =
      kind === 'finetune'
        ? await benchFinetune(gpu, peer, tfMeter, {
            B: FT_B,
            T: FT_T,
            L,
            warmup: WARMUP,
            maxRuns: RUNS,
            minRuns: MIN_RUNS,
            budgetS: CASE_BUDGET_S,
            refRuns: Math.max(1, FT_REF_RUNS),
            totalSteps: TOTAL_STEPS,
            lossTol: LOSS_TOL,
            loss1Tol: LOSS1_TOL,
          })
        : await benchHead(gpu, peer, tfMeter, kind, examples, labelFeatures);
    rows.push(r);
    if (tfErrors.length || gpu.uncapturedErrors.length) {
      throw new Error(`${kind}: WebGPU errors during the run (timings invalid):\n${[...gpu.uncapturedErrors, ...tfErrors.map((m) => `tfjs device: ${m}`)].join('\n')}`);
    }
    const d = (a: number, b: number) => Math.abs(a - b).toExponential(1);
    console.log(
      `check ${kind} (${r.objective} loss): step 0 ours ${r.losses.ours[0].toFixed(6)} tfjs ${r.losses.tfjs[0].toFixed(6)} ref ${r.losses.ref[0].toFixed(6)} ` +
        `(|ours-tfjs| ${d(r.losses.ours[0], r.losses.tfjs[0])}, |ours-ref| ${d(r.losses.ours[0], r.losses.ref[0])}); after one AdamW step ` +
        `ours ${r.losses.ours[1].toFixed(6)} tfjs ${r.losses.tfjs[1].toFixed(6)} ref ${r.losses.ref[1].toFixed(6)} ${r.lossOk ? 'OK' : 'MISMATCH'}`,
    );
    process.stderr.write(`  done: ${kind} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  const load1 = loadavg()[0];

  console.log('');
  printTable(rows);
  console.log(
    `\nOne step = forward, loss, backward, global-norm clip, AdamW on a fixed batch (B per row: ${B} for the heads, ${FT_B} token-id rows of up to ${FT_T} tokens for finetune). ms = wall time from enqueue until ` +
      'the GPU reported the step done (median of N, min in parentheses); ex/s = B / median; ratio = tfjs ms / ours ms ' +
      '(> 1: ours faster). ref = float64 reference on the CPU (JS), same step (finetune: timed on its own, BENCH_FT_REF_RUNS steps, after ours and tfjs).\n' +
      'ours MiB = peak bytes of live engine pool buffers during the steps (parameters, gradients, AdamW m/v, best ' +
      'checkpoint, batch, activations, uniforms); tfjs MiB = peak of its buffer manager numBytesUsed (GPU buffers in ' +
      'use), tfjs tensor MiB = peak tf.memory().numBytes, both above the level before the head was built; ref RSS+ = ' +
      'largest process RSS growth within a step (GC-dependent, indicative only).',
  );
  console.log(`load average: ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end (other processes share these CPUs)`);
  for (const r of rows) {
    if (!r.lossOk) {
      console.log(
        `WARNING: ${r.head}: the sides disagree (tolerance ${LOSS_TOL} at step 0, ${LOSS1_TOL} after one step): ` +
          `ours ${r.losses.ours.join(', ')}; tfjs ${r.losses.tfjs.join(', ')}; ref ${r.losses.ref.join(', ')}`,
      );
    }
    if (r.tfjs.wall.median < r.ours.wall.median) console.log(`NOTE: ${r.head}: tfjs is faster than ours (${fmt(r.tfjs.wall.median)} vs ${fmt(r.ours.wall.median)} ms)`);
  }

  const json = {
    bench: 'train',
    adapter: {
      vendor: report.vendor,
      architecture: report.architecture,
      device: report.device,
      description: report.description,
      fallback: report.isFallbackAdapter,
      host: report.host,
    },
    tfjs: peer.version,
    shape: { B, T, C, L },
    finetune_shape: { B: FT_B, T: FT_T, model: 'use-lite', ref_runs: FT_REF_RUNS },
    warmup: WARMUP,
    load_average: [round(load0, 3), round(load1, 3)],
    results: rows.map((r) => ({
      head: r.head,
      B: r.B,
      T: r.T,
      objective: r.objective,
      params: r.params,
      n: r.n,
      ours_ms: round(r.ours.wall.median),
      tfjs_ms: round(r.tfjs.wall.median),
      ref_ms: round(r.ref.wall.median),
      ours_min_ms: round(r.ours.wall.min),
      tfjs_min_ms: round(r.tfjs.wall.min),
      ref_min_ms: round(r.ref.wall.min),
      ours_ex_s: round(exs(r, r.ours.wall.median)),
      tfjs_ex_s: round(exs(r, r.tfjs.wall.median)),
      ref_ex_s: round(exs(r, r.ref.wall.median)),
      ratio: round(r.tfjs.wall.median / r.ours.wall.median),
      ratio_min: round(r.tfjs.wall.min / r.ours.wall.min),
      ours_peak_mib: round(r.oursPeak / MiB),
      tfjs_peak_gpu_mib: round(r.tfjsPeakGpu / MiB),
      tfjs_peak_tensor_mib: round(r.tfjsPeakTensor / MiB),
      ref_rss_delta_mib: round(r.refRss / MiB),
      loss_step0: { ours: round(r.losses.ours[0], 7), tfjs: round(r.losses.tfjs[0], 7), ref: round(r.losses.ref[0], 7) },
      loss_step1: { ours: round(r.losses.ours[1], 7), tfjs: round(r.losses.tfjs[1], 7), ref: round(r.losses.ref[1], 7) },
      loss_check: r.lossOk,
    })),
  };

  const errors = [...gpu.uncapturedErrors, ...tfErrors.map((m) => `tfjs device: ${m}`)];
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
