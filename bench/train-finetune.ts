// The `finetune` row of `npm run bench:train`: one full fine-tuning step of USE-lite (every encoder weight plus
// the classifier: forward, softmax cross-entropy, backward, global-norm clip, AdamW) three ways on one fixed
// token-id batch — ours (Trainer.step on a FinetuneHead, the code path `Trainer.fit` runs), the same encoder in
// tfjs-webgpu with autodiff (bench/tfjs-encoder.ts) and the float64 reference (bench/finetune-reference.ts).
// Design decision: all three start from the SAME weights — readEncoderSpec of public/models/use-lite/model.onnx,
// read back from our head's GPU parameters together with its seeded classifier — and must report the same losses
// at step 0 and after one update before anything is timed. Ours and tfjs alternate step by step
// (measureInterleaved); the reference (seconds per step in plain JS) is timed on its own for BENCH_FT_REF_RUNS.
// Env: BENCH_FT_B (8), BENCH_FT_T (32): the batch of this row (the head rows keep BENCH_B / BENCH_T).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { acquireGpu } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import { buildHead, headTrainDefaults } from '../src/heads/registry';
import { readEncoderSpec } from '../src/model/onnx-reader';
import { packBatch, type TrainExample } from '../src/train/batches';
import { learningRate } from '../src/train/schedule';
import { DEFAULT_TRAIN_OPTIONS, Trainer, type TrainOptions } from '../src/train/trainer';
import { createFinetuneRefStepper } from './finetune-reference';
import { meterPool, type meterTfjs } from './meters';
import { createTfFinetune, tfTokenBatch } from './tfjs-encoder';
import { createTfAdamW, tfTrainStep, type AdamWConfig, type ParamInit, type TfBatch } from './tfjs-heads';
import type { TfjsPeer } from './tfjs-peer';
import { measureInterleaved, randomData, stats } from './timing';
import type { Losses, Row } from './train-row';

const MODEL = fileURLToPath(new URL('../public/models/use-lite/model.onnx', import.meta.url));

export interface FinetuneBenchOptions {
  B: number;
  T: number;
  L: number;
  warmup: number;
  maxRuns: number;
  minRuns: number;
  budgetS: number;
  refRuns: number;
  totalSteps: number;
  lossTol: number;
  loss1Tol: number;
}

/** B token-id examples: lengths T/4..T (the first exactly T, so the batch pads to T), seeded ids, labels. */
function syntheticTokens(B: number, T: number, L: number, vocab: number): TrainExample[] {
  const lens = randomData(B, 31);
  const labels = randomData(B, 32);
  return Array.from({ length: B }, (_, b) => {
    const n = b === 0 ? T : Math.max(1, Math.round(T * (0.625 + 0.375 * lens[b])));
    const r = randomData(n, 500 + b);
    const ids = Uint32Array.from(r, (x) => 1 + Math.floor(((x + 1) / 2) * (vocab - 2)));
    return { tokens: { ids, typeIds: null, mask: new Uint8Array(n).fill(1) }, label: Math.min(L - 1, Math.floor(((labels[b] + 1) / 2) * L)) };
  });
}

export async function benchFinetune(gpu: Awaited<ReturnType<typeof acquireGpu>>, peer: TfjsPeer, tfMeter: ReturnType<typeof meterTfjs>, o: FinetuneBenchOptions): Promise<Row> {
  const { tf } = peer;
  const { B, L } = o;
  const spec = readEncoderSpec(new Uint8Array(readFileSync(MODEL)));
  const e = new GpuEngine(gpu);
  const pool = meterPool(e.pool);
  const head = buildHead(e, 'finetune', { C: spec.hiddenSize, labels: L, pair: false, labelFeatures: [], seed: 0, encoderSpec: spec });
  const defaults = headTrainDefaults('finetune');
  const opts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, lr: defaults.lr, objective: 'softmax', batchSize: B, tmax: o.T, seed: 0 };
  const trainer = new Trainer(e, head, opts);
  const examples = syntheticTokens(B, o.T, L, spec.vocabSize);
  const batch = packBatch(e, examples, examples.map((_, i) => i), opts.tmax);
  const ids = batch.ids!;
  const params: ParamInit[] = [];
  for (const p of head.params) params.push({ name: p.name, shape: p.value.shape, decay: p.decay, value: await p.value.read() });
  if (head.params.some((p) => (p.lrScale ?? 1) !== 1)) throw new Error('finetune bench: layer-wise lr decay is on; the peers assume one learning rate');
  const nParams = params.reduce((a, p) => a + p.value.length, 0);
  const adamw: AdamWConfig = { beta1: opts.beta1, beta2: opts.beta2, eps: opts.eps, weightDecay: opts.weightDecay, maxGradNorm: opts.maxGradNorm };
  const lrAt = (s: number) => learningRate(s, { lr: opts.lr, totalSteps: o.totalSteps, warmupSteps: Math.round(opts.warmupFraction * o.totalSteps), decay: opts.decay });

  // tfjs peer: same weights, same ids (and the same host-side positions / mask / timing signal)
  const tfBase = { gpu: tfMeter.gpuUsed(), tensor: tfMeter.tensorBytes() };
  const tfIds = tfTokenBatch(tf, spec, ids);
  const tfHead = createTfFinetune(tf, spec, params, tfIds, L);
  const opt = createTfAdamW(tf, tfHead);
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(batch.labels), 'int32'), L), 'float32'));
  const noFeatures = {} as TfBatch; // the peer reads its token batch, not features
  // float64 reference: same weights, same ids
  const ref = createFinetuneRefStepper(spec, params, ids, batch.labels, L, adamw);

  let tfStep = 0;
  let refStep = 0;
  let tfOut: import('@tensorflow/tfjs').Tensor | null = null;
  const tfEnqueue = () => {
    const s = tfStep++;
    tfOut = tfTrainStep(tf, tfHead, opt, adamw, noFeatures, { kind: 'softmax', onehot }, lrAt(s), s + 1);
  };
  const refOnce = () => {
    const l = ref.step(lrAt(refStep), refStep + 1);
    refStep++;
    return l;
  };

  pool.reset();
  tfMeter.reset();
  const losses: Losses = { ours: [], tfjs: [], ref: [] };
  for (let s = 0; s < 2; s++) {
    trainer.step(batch, o.totalSteps);
    losses.ours.push(await trainer.lastLoss());
    tfEnqueue();
    losses.tfjs.push((await tfOut!.data())[0]);
    tfOut!.dispose();
    losses.ref.push(refOnce());
  }
  const lossOk =
    Math.abs(losses.ours[0] - losses.tfjs[0]) <= o.lossTol &&
    Math.abs(losses.ours[0] - losses.ref[0]) <= o.lossTol &&
    Math.abs(losses.ours[1] - losses.tfjs[1]) <= o.loss1Tol &&
    Math.abs(losses.ours[1] - losses.ref[1]) <= o.loss1Tol;

  const [ours, tfjs] = await measureInterleaved(
    [
      { enqueue: () => void trainer.step(batch, o.totalSteps), wait: () => e.sync() },
      {
        enqueue: tfEnqueue,
        wait: () => peer.wait(),
        cleanup: () => {
          tfOut?.dispose();
          tfOut = null;
        },
      },
    ],
    { warmup: o.warmup, maxRuns: o.maxRuns, minRuns: o.minRuns, budgetMs: o.budgetS * 1000, gpuRuns: 0 },
  );
  const refMs: number[] = [];
  for (let i = 0; i < o.refRuns; i++) {
    const t0 = performance.now();
    refOnce();
    refMs.push(performance.now() - t0);
  }
  const row: Row = {
    head: 'finetune',
    B,
    T: batch.T,
    objective: 'softmax',
    params: nParams,
    n: ours.wall.n,
    ours,
    tfjs,
    ref: { wall: stats(refMs), gpu: null },
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
  tfIds.dispose();
  onehot.dispose();
  await peer.wait();
  return row;
}
