// Issue 10 item 3's measurement, for CPU-sized budgets: for each frozen-encoder tuning head (L-Tuning prefix and
// prompt, prefix and prompt tuning) on a data slice: trainable parameters (and A.5's formula), dev metrics and the
// prediction histogram at init and after a short run (is it a constant predictor?), one training step's time and
// the buffer pool's peak bytes, next to the same for `finetune` (weight gradients, the yardstick).
//   npx tsx --import ./scripts/raw-loader.mjs scripts/ltuning-check.ts --data train.tsv --dev dev.tsv [--heads ltuning-prefix,...] [--steps 12]
//        [--batch 8] [--lr 1e-3] [--seed 0] [--label-texts "0=negative,1=positive"] [--no-finetune]
//        [--time-steps 1] [--step-only] [--epochs 1]   (median of N timed steps after one warm-up; --step-only: no training; --epochs E: E passes over the --steps x --batch texts)
// Prints one JSON object per head on stdout (progress on stderr). Design decision: the run reuses the CLI's own
// pieces (dataset reader, encoder session for the label states, token examples, Trainer), so what it measures is
// what `labeltune train --head ...` runs; only the schedule is cut to `--steps` steps of one epoch.
import { parseArgs } from 'node:util';
import { readDataset } from '../src/cli/args';
import { openEncoder } from '../src/cli/encoding';
import { withGpu } from '../src/cli/gpu-session';
import { tokenExamples } from '../src/train/token-examples';
import { parseLabelTexts } from '../src/cli/train-cmd';
import { describeAdapter } from '../src/gpu/device';
import { encoderTuningParamCount, paperPrefixParamCount } from '../src/heads/ltuning-encoder-config';
import { EncoderTuningHead } from '../src/heads/ltuning-encoder';
import { buildHead, headEntry, headTrainDefaults, type HeadKind } from '../src/heads/registry';
import { readEncoderSpec } from '../src/model/onnx-reader';
import { packBatch } from '../src/train/batches';
import { Trainer } from '../src/train/trainer';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    dev: { type: 'string' },
    heads: { type: 'string', default: 'ltuning-prefix,ltuning-prompt,prefix-tuning,prompt-tuning' },
    steps: { type: 'string', default: '12' },
    batch: { type: 'string', default: '8' },
    lr: { type: 'string' },
    seed: { type: 'string', default: '0' },
    'label-texts': { type: 'string' },
    'no-finetune': { type: 'boolean', default: false },
    'time-steps': { type: 'string', default: '1' },
    'step-only': { type: 'boolean', default: false },
    epochs: { type: 'string', default: '1' },
  },
});
if (!values.data || !values.dev) throw new Error('ltuning-check needs --data FILE and --dev FILE');
const steps = Number(values.steps);
const batch = Number(values.batch);
const seed = Number(values.seed);
const timeSteps = Number(values['time-steps']);
if (!Number.isInteger(timeSteps) || timeSteps < 1) throw new Error(`--time-steps must be a positive integer, got ${values['time-steps']}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const heads = values.heads!.split(',') as HeadKind[];

const train = readDataset(values.data, {});
const dev = readDataset(values.dev, { text: train.columns.text, textPair: train.columns.textPair ?? null, label: train.columns.label }, train.labels);
const texts = parseLabelTexts(values['label-texts'], train.labels);
const session = await openEncoder({ model: 'default', cache: false });
const { encoder } = session;
const spec = readEncoderSpec(session.files.model);
const hasPairs = train.examples.some((x) => x.textPair !== undefined);
const mode = hasPairs ? 'pair-input' : 'none';
const trainEx = tokenExamples(encoder.tokenizer, train, encoder.tmax, mode).slice(0, Math.max(steps, 1) * batch);
const devEx = tokenExamples(encoder.tokenizer, dev, encoder.tmax, mode);
const seeds = await encoder.encode(texts.map((text) => ({ text })));
const L = train.labels.length;

const hist = (logits: Float32Array, n: number) => {
  const h = new Array(L).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let y = 1; y < L; y++) if (logits[i * L + y] > logits[i * L + best]) best = y;
    h[best]++;
  }
  return h;
};

await withGpu(async (e, gpu) => {
  const adapter = describeAdapter(gpu.report);
  const measure = async (kind: HeadKind) => {
    const h = buildHead(e, kind, { C: encoder.info.hiddenSize, labels: L, pair: false, labelFeatures: seeds, seed, encoderSpec: spec });
    const lr = values.lr !== undefined ? Number(values.lr) : headTrainDefaults(kind).lr;
    const trainer = new Trainer(e, h, { ...headTrainDefaults(kind), epochs: Number(values.epochs), batchSize: batch, seed, tmax: encoder.tmax, lr, patience: 0, readEvery: 1 });
    const out: Record<string, unknown> = { head: kind, adapter, train_examples: trainEx.length, dev_examples: devEx.length, labels: train.labels, label_texts: texts, batch, lr };
    try {
      const params = h.params.reduce((s, p) => s + p.value.size, 0);
      out.trainable_params = params;
      if (h instanceof EncoderTuningHead) {
        out.trainable_params_formula = encoderTuningParamCount(h.config);
        if (h.config.method === 'lt-prefix') out.paper_A5_formula = { value: paperPrefixParamCount(h.config), l: h.config.lmax, m: spec.layers.length, d: spec.hiddenSize };
        out.prefix_or_prompt_rows = h.config.P;
      }
      // One step's time and pool peak on the first batch (state restored afterwards by measureStep).
      const b = packBatch(e, trainEx, Array.from({ length: Math.min(batch, trainEx.length) }, (_, i) => i), encoder.tmax);
      try {
        e.pool.resetPeak();
        const before = e.pool.liveBytes;
        const times = await trainer.measureStep(b, timeSteps);
        out.step = { seconds: median(times), all_seconds: times, B: b.B, T: b.T, pool_peak_bytes: e.pool.peakLiveBytes, pool_bytes_before: before };
      } finally {
        b.release();
      }
      if (kind === 'finetune' || values['step-only']) return out;
      const init = await trainer.evaluate(devEx);
      out.init = { accuracy: init.metrics.accuracy, macro_f1: init.metrics.macroF1, predicted: hist(init.logits, devEx.length) };
      console.error(`[${kind}] init: ${JSON.stringify(out.init)}; step ${JSON.stringify(out.step)}`);
      const losses: number[] = [];
      const r = await trainer.fit(trainEx, devEx, { onStep: (s) => losses.push(Number(s.loss.toFixed(4))) });
      const last = r.dev.at(-1)!;
      const fin = await trainer.evaluate(devEx);
      out.after = { steps: r.steps, accuracy: last.metrics.accuracy, macro_f1: last.metrics.macroF1, predicted: hist(fin.logits, devEx.length), train_loss: losses, seconds: r.seconds, dev_by_epoch: r.dev.map((x) => [x.metrics.accuracy, x.metrics.macroF1]) };
      console.error(`[${kind}] after ${r.steps} steps: ${JSON.stringify(out.after)}`);
      return out;
    } finally {
      trainer.dispose();
      h.dispose();
    }
  };
  for (const kind of heads) {
    if (headEntry(kind).input !== 'token-ids') throw new Error(`${kind} is not a token-id kind`);
    console.log(JSON.stringify(await measure(kind)));
  }
  if (!values['no-finetune']) console.log(JSON.stringify(await measure('finetune')));
});
await encoder.dispose();
process.exit(0); // a Dawn instance would keep Node alive
