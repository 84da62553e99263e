// `labeltune train`: heads trained on cached encoder features, selected on a dev set, optionally exported.
// Several heads (`--head ytuning,linear,label`) and/or several tasks (`--label colA,colB`) run over ONE encoder
// pass: the distinct texts of every task are encoded once (through the feature cache), then each (task, head)
// run builds, trains and evaluates its head on those features. Design decision: one task and one head keep the
// original output exactly (three lines, or one JSON object); several runs print a comparison table (or a JSON
// array of the same per-run objects) and write `out.<label>.<head>.safetensors`-style files.
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { alignDev, listNames, splitDataset, type Dataset } from '../data';
import { describeAdapter, isCpuAdapter } from '../gpu/device';
import { headMeta } from '../heads/head-meta';
import { exportHead, NonFiniteHeadError } from '../heads/serialize';
import { estimateRun, formatDuration } from '../train/estimate';
import { Trainer, type EvalRecord } from '../train/trainer';
import { countFlag, fractionFlag, listFlag, numFlag, positiveFlag, readDataset, UsageError, type Common } from './args';
import { encodeDatasets, openEncoder, toExamples } from './encoding';
import { comparisonTable, printable, type RunSummary } from './format';
import { adapterJson, withGpu } from './gpu-session';
import { buildHead, HEAD_KINDS, headEntry, headTrainDefaults, isHeadKind, type HeadKind } from '../heads/registry';
import { readEncoderSpec } from '../model/onnx-reader';
import type { EncoderSpec } from '../model/spec';
import { tokenExamples, type PairMode } from '../train/token-examples';
import type { TrainExample } from '../train/batches';
import { trainProgress } from './progress';
import { labelSupportWarnings } from '../data';
import { devTargets, headOutcome } from '../train/head-outcome';
import { classWeightsFor, parseClassWeights, type ClassWeightSpec } from '../train/class-weights';
import { LABEL_FLAG_OPTIONS, LABEL_FLAGS_USAGE, labelReadOptions } from './args';
import { devReport, devSummary } from './metrics-report';

export const TRAIN_USAGE = `  labeltune train --data FILE [--dev FILE | --dev-split 0.1] [--text COL] [--text-pair COL] [--label COL[,COL...]]
                  [--head KIND[,KIND...]] [--model default|DIR] [--epochs N] [--batch N] [--lr X]
                  [--seed S] [--tmax N] [--label-texts "name=text,..."] [--out head.safetensors]
                  [--layer-decay X] [--class-weights auto|name=w,...] [--no-calibrate] [--no-cache] [--json]
                  [--multi-label | --single-label] [--label-sep SEP] [--label-names FILE] [--label-columns a,b,...]
      head kinds: ${HEAD_KINDS.join(', ')} (default linear)
      Several heads (--head ytuning,linear,label) and/or several label columns (--label topic,sentiment) train
      over one encoder pass and print a comparison table; --lr then applies to every head (default: per head).
      --out with several runs writes one file per run: --out h.safetensors -> h.ytuning.safetensors,
      h.linear.safetensors (several label columns: h.topic.safetensors, or h.topic.ytuning.safetensors for both).
      --head finetune trains every encoder weight in WGSL on token ids (no feature encode); --layer-decay X in
      (0, 1] scales layer l's learning rate by X^(N-l) (default 1, off).
      --head ltuning-prefix|ltuning-prompt (L-Tuning as published) and prefix-tuning|prompt-tuning (its baselines)
      run the FROZEN encoder in WGSL on token ids: L-Tuning once per (text, label) pair (2 per text in training,
      all labels in evaluation), the baselines once per text; a pair of texts is one joint sequence.
      label-attn-prefix|label-attn-prompt are the faster cached-feature heads once called ltuning-*.
${LABEL_FLAGS_USAGE}
      Multi-label heads train a sigmoid cross-entropy per label and keep per-label thresholds tuned on dev (best
      F1). --class-weights auto weighs labels by inverse frequency (or give weights by name). A temperature is
      fitted on dev after training (--no-calibrate: off): exported probabilities are the calibrated ones.`;

/**
 * Label texts (what the encoder reads for each label's seed): the names, or `name=text` pairs separated by commas
 * (e.g. "0=description,1=entity"); every named label must exist, unnamed ones keep their name.
 */
export function parseLabelTexts(spec: string | undefined, labels: readonly string[]): string[] {
  return labelTexts(parseLabelTextSpec(spec), [labels])[0];
}

function parseLabelTextSpec(spec: string | undefined): [string, string][] {
  if (!spec) return [];
  return spec.split(',').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 1) throw new UsageError(`--label-texts: "${part}" is not name=text (e.g. --label-texts "pos=positive review,neg=negative review")`);
    const name = part.slice(0, eq).trim();
    const text = part.slice(eq + 1).trim();
    if (!text) throw new UsageError(`--label-texts: the text for "${name}" is empty`);
    return [name, text];
  });
}

/** Label texts for each task's labels; a named label must exist in at least one task. */
function labelTexts(pairs: readonly [string, string][], taskLabels: readonly (readonly string[])[]): string[][] {
  for (const [name] of pairs) {
    if (!taskLabels.some((labels) => labels.includes(name))) {
      const all = [...new Set(taskLabels.flat())];
      throw new UsageError(`--label-texts: no label "${name}" in the data (labels: ${listNames(all)})`);
    }
  }
  return taskLabels.map((labels) => labels.map((l) => pairs.find(([name]) => name === l)?.[1] ?? l));
}

/** A run that ended without a finite head (diverged before any good checkpoint): the command exits 1. */
export class RunFailedError extends Error {}

/** Write via a temporary file in the same folder and a rename: a crash never leaves half a head at `path`. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** `h.safetensors` + ['topic', 'ytuning'] -> `h.topic.ytuning.safetensors` (names made file-safe). */
export function runOutPath(out: string, parts: readonly string[]): string {
  if (parts.length === 0) return out;
  const safe = parts.map((p) => p.replace(/[^A-Za-z0-9_-]+/g, '_'));
  const m = /^(.*?)(\.safetensors)?$/i.exec(out)!;
  return `${m[1]}.${safe.join('.')}${m[2] ?? '.safetensors'}`;
}

interface Task {
  /** The label column (several tasks) or '' (one task, column chosen by --label or detected). */
  name: string;
  train: Dataset;
  dev: Dataset;
}

function parseTrainArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      dev: { type: 'string' },
      'dev-split': { type: 'string' },
      text: { type: 'string' },
      'text-pair': { type: 'string' },
      label: { type: 'string' },
      head: { type: 'string', default: 'linear' },
      model: { type: 'string', default: 'default' },
      epochs: { type: 'string', default: '10' },
      batch: { type: 'string', default: '32' },
      lr: { type: 'string' },
      seed: { type: 'string', default: '0' },
      tmax: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      out: { type: 'string' },
      'label-texts': { type: 'string' },
      'layer-decay': { type: 'string' },
      'class-weights': { type: 'string' },
      'no-calibrate': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...LABEL_FLAG_OPTIONS,
    },
  });
  if (!values.data) throw new UsageError('train needs --data FILE');
  if (values.dev && values['dev-split']) throw new UsageError('use either --dev FILE or --dev-split FRACTION, not both');
  const heads = listFlag('head', values.head!);
  for (const h of heads) if (!isHeadKind(h)) throw new UsageError(`unknown --head "${h}"; choose one of ${HEAD_KINDS.join(', ')}`);
  const labelColumns = values.label === undefined ? [undefined] : listFlag('label', values.label);
  const epochs = countFlag('epochs', values.epochs)!;
  const batch = countFlag('batch', values.batch)!;
  const seed = numFlag('seed', values.seed, true)!;
  const lr = positiveFlag('lr', values.lr);
  const devSplit = fractionFlag('dev-split', values['dev-split']);
  const layerDecay = positiveFlag('layer-decay', values['layer-decay']);
  if (layerDecay !== undefined && layerDecay > 1) throw new UsageError(`--layer-decay must be in (0, 1], got ${values['layer-decay']}`);
  const c: Common = {
    data: values.data,
    text: values.text,
    textPair: values['text-pair'],
    label: values.label,
    model: values.model!,
    json: values.json!,
    cache: !values['no-cache'],
    tmax: countFlag('tmax', values.tmax),
  };
  const labelRead = labelReadOptions(values);
  if (labelRead.labelColumns && values.label !== undefined) throw new UsageError('use either --label COL or --label-columns a,b,... (one 0/1 column per label), not both');
  return {
    c,
    heads: heads as HeadKind[],
    labelColumns,
    epochs,
    batch,
    seed,
    lr,
    devSplit,
    dev: values.dev,
    out: values.out,
    labelTextSpec: values['label-texts'],
    layerDecay,
    labelRead,
    classWeights: values['class-weights'],
    calibrate: !values['no-calibrate'],
  };
}

/** One dataset per label column; every task reads the same text column(s) as the first (texts encoded once). */
function readTasks(a: ReturnType<typeof parseTrainArgs>): Task[] {
  const tasks: Task[] = [];
  let text = a.c.text;
  let textPair: string | null | undefined = a.c.textPair;
  const seen = new Set<string>(); // each file's warnings once, however many label columns read it
  const support: string[] = []; // too few examples of a label: printed once every task has read without error
  for (const column of a.labelColumns) {
    const cols = { text, textPair, label: column, labels: a.labelRead };
    const full = readDataset(a.c.data, cols, undefined, seen);
    text = full.columns.text;
    textPair = full.columns.textPair ?? null;
    // The dev file is read the way the training file was (multi-label or not, same delimiter).
    const devRead = { ...a.labelRead, multiLabel: !!full.multiLabel, ...(full.labelSep ? { labelSep: full.labelSep } : {}) };
    const split = a.dev
      ? { train: full, dev: alignDev(full, readDataset(a.dev, { text, textPair, label: full.labelColumns ? undefined : full.columns.label, labels: devRead }, undefined, seen)) }
      : splitDataset(full, { devFraction: a.devSplit ?? 0.1, seed: a.seed });
    for (const w of labelSupportWarnings(split.train, split.dev)) support.push(`labeltune: warning: ${a.c.data}${column ? ` (label column '${column}')` : ''}: ${w.message}`);
    tasks.push({ name: a.labelColumns.length > 1 ? full.columns.label : '', ...split });
  }
  for (const line of new Set(support)) console.error(line);
  return tasks;
}

export async function trainCommand(argv: string[]): Promise<void> {
  const a = parseTrainArgs(argv);
  const { c } = a;
  const tasks = readTasks(a);
  const texts = labelTexts(parseLabelTextSpec(a.labelTextSpec), tasks.map((t) => t.train.labels));
  const several = tasks.length > 1 || a.heads.length > 1;
  const session = await openEncoder(c);
  const { encoder } = session;
  // Dev examples come from --dev, or from --data when split off it: errors name the file a row is in.
  const devFile = a.dev ?? c.data;
  try {
    await withGpu(async (engine, gpu) => {
      // One task: train and dev encoded separately (their timings and cache hits are reported apart). Several
      // runs: every task's train and dev texts in ONE pass, each distinct text encoded (or read from cache) once.
      // Kinds that run the encoder in WGSL (finetune) train on token ids: no feature encode for them alone.
      const featureHeads = a.heads.filter((h) => headEntry(h).input === 'features');
      const noFeatures = { features: tasks.map(() => []), encoded: { features: [], seconds: 0, cached: 0 }, distinct: 0 };
      const encAll = featureHeads.length === 0 ? noFeatures : several ? await encodeDatasets(session, tasks.flatMap((t) => [t.train, t.dev]), 'encode', c.json, tasks.flatMap(() => [c.data, devFile])) : null;
      const encTrain = encAll ?? (await encodeDatasets(session, tasks.map((t) => t.train), 'encode train', c.json, [c.data]));
      const encDev = encAll ?? (await encodeDatasets(session, tasks.map((t) => t.dev), 'encode dev  ', c.json, [devFile]));
      const trainFeatures = encAll && encAll !== noFeatures ? tasks.map((_, i) => encAll.features[2 * i]) : encTrain.features;
      const devFeatures = encAll && encAll !== noFeatures ? tasks.map((_, i) => encAll.features[2 * i + 1]) : encDev.features;
      let spec: EncoderSpec | undefined;
      if (featureHeads.length < a.heads.length) spec = readEncoderSpec(session.files.model);
      await session.cache?.close();
      const reports: Record<string, unknown>[] = [];
      const failures: string[] = [];
      const summaries: RunSummary[] = [];
      for (const [ti, task] of tasks.entries()) {
        const { train: trainSet, dev: devSet } = task;
        // Label seeds: each label's text (its name by default) through the same frozen encoder.
        const needSeeds = a.heads.some((h) => headEntry(h).input === 'features' || headEntry(h).labelStates);
        const seeds = needSeeds ? await encoder.encode(texts[ti].map((text) => ({ text }))) : [];
        const hasPairs = trainSet.examples.some((x) => x.textPair !== undefined);
        const pair = hasPairs && !encoder.info.hasPairInput;
        const pairMode = !hasPairs ? 'none' : pair ? 'side-by-side' : 'pair-input';
        const featureEx = featureHeads.length ? { train: toExamples(trainSet, trainFeatures[ti]), dev: toExamples(devSet, devFeatures[ti]) } : null;
        // Token ids per pair mode: kinds with joint pairs (L-Tuning, prefix/prompt tuning) always take the
        // tokenizer's pair form, one sequence per pair (USE-lite: a then b, no types); finetune follows the encoder.
        const tokenExByMode = new Map<PairMode, { train: TrainExample[]; dev: TrainExample[] }>();
        const tokenEx = (mode: PairMode) => {
          let x = tokenExByMode.get(mode);
          if (!x) tokenExByMode.set(mode, (x = { train: tokenExamples(encoder.tokenizer, trainSet, encoder.tmax, mode), dev: tokenExamples(encoder.tokenizer, devSet, encoder.tmax, mode) }));
          return x;
        };
        for (const head of a.heads) {
          const joint = headEntry(head).pairs === 'joint';
          const { train: trainEx, dev: devEx } = headEntry(head).input === 'features' ? featureEx! : tokenEx(joint && hasPairs ? 'pair-input' : pairMode);
          const run = [task.name, a.heads.length > 1 ? head : ''].filter(Boolean);
          const runName = printable(run.join('/'));
          const multi = !!trainSet.multiLabel;
          let cw: ClassWeightSpec | null = null;
          try {
            cw = a.classWeights ? parseClassWeights(a.classWeights, trainSet.labels) : null;
          } catch (err) {
            throw new UsageError(`--class-weights: ${(err as Error).message.replace(/^class weights: /, '')}`);
          }
          const h = buildHead(engine, head, { C: encoder.info.hiddenSize, labels: trainSet.labels.length, pair: pair && !joint, labelFeatures: seeds, seed: a.seed, encoderSpec: spec, layerDecay: a.layerDecay });
          const trainer = new Trainer(engine, h, {
            epochs: a.epochs,
            batchSize: a.batch,
            seed: a.seed,
            tmax: encoder.tmax,
            ...headTrainDefaults(head),
            ...(a.lr !== undefined ? { lr: a.lr } : {}),
            ...(multi ? { objective: 'multilabel' as const } : {}),
            classWeights: classWeightsFor(cw, trainSet.labels, trainSet.counts, trainSet.examples.length, multi),
          });
          try {
            if (headEntry(head).input === 'token-ids' && h.params.length) {
              // Encoder-in-the-loop kinds are slow: measure a step and say what the whole run will take first.
              const est = await estimateRun(engine, trainer, trainEx, devEx.length);
              const cpu = isCpuAdapter(gpu.report);
              if (!c.json) {
                console.error(
                  `${runName ? `[${runName}] ` : ''}measured ${est.stepSeconds.toFixed(2)} s per step (batch ${est.B} x ${est.T} tokens): ` +
                    `about ${formatDuration(est.totalSeconds)} for ${est.steps} steps + dev evaluations` +
                    (cpu ? ' (this adapter is a CPU driver: a GPU runs this far faster)' : ''),
                );
              }
            }
            const progress = trainProgress(runName, a.epochs, c.json);
            const epochLine = (r: EvalRecord) =>
              `${runName ? `[${runName}] ` : ''}epoch ${r.epoch + 1}: dev loss ${r.loss.toFixed(4)}  accuracy ${(r.metrics.accuracy * 100).toFixed(2)}%  macro-F1 ${(r.metrics.macroF1 * 100).toFixed(2)}`;
            const t0 = performance.now();
            const result = h.params.length
              ? await trainer.fit(trainEx, devEx, {
                  onStep: (r) => progress.onStep(r),
                  onEval: (r) => {
                    if (progress.active) progress.onEval(r);
                    else if (!c.json) console.error(epochLine(r));
                  },
                })
              : null;
            const final = await trainer.evaluate(devEx);
            const L = trainSet.labels.length;
            // Temperature scaling on dev (after model selection; predicted labels do not change) and, multi-label,
            // the tuned thresholds moved to the calibrated scale: one function with the studio (train/head-outcome.ts).
            const outcome = headOutcome(final, devTargets(devEx, multi), L, multi, a.calibrate);
            const cal = outcome.fit;
            const trainSeconds = (performance.now() - t0) / 1000;
            const target = a.out ? runOutPath(a.out, several ? run : []) : null;
            let out: string | null = null;
            // A run with no finite checkpoint (diverged before any good dev epoch) exports nothing and fails the command.
            let failure = !Number.isFinite(final.loss) ? `${result?.message ?? 'The head gives a non-finite dev loss.'}` : null;
            // The trainer restored the best dev checkpoint, so h holds the best head.
            if (target && !failure) {
              // L-Tuning kinds run a pair as one joint sequence: for the file, that is the encoder's pair input.
              const meta = headMeta({
                labels: trainSet.labels,
                labelTexts: texts[ti],
                encoder: { ...encoder.info, hasPairInput: encoder.info.hasPairInput || joint },
                tmax: encoder.tmax,
                pairData: hasPairs,
                training: { data: c.data, head, labelColumn: trainSet.columns.label, epochs: a.epochs, batch: a.batch, lr: trainer.options.lr, seed: a.seed, bestEpoch: result?.best ? result.best.epoch + 1 : null },
                metrics: {
                  accuracy: final.metrics.accuracy,
                  macroF1: final.metrics.macroF1,
                  loss: final.loss,
                  ...outcome.extraMetrics,
                },
                task: outcome.task,
                calibration: outcome.calibration,
              });
              try {
                writeAtomically(target, await exportHead(h, meta));
                out = target;
              } catch (err) {
                if (!(err instanceof NonFiniteHeadError)) throw err;
                failure = `${result?.message ?? ''} ${err.message.replace(/^head file: /, '')}`.trim();
              }
            }
            if (failure) failures.push(`${runName ? `[${runName}] ` : ''}${failure}${target ? ` ${target} was not written (a file already there is unchanged).` : ''}`);
            const report = {
              command: 'train',
              head,
              ...(tasks.length > 1 ? { label_column: task.name } : {}),
              data: c.data,
              labels: trainSet.labels,
              train_examples: trainSet.examples.length,
              dev_examples: devSet.examples.length,
              dev: devReport(trainSet.labels, final.metrics, final.loss, cal, outcome.task?.thresholds),
              stopped_by: result?.stoppedBy ?? 'no-training',
              message: result?.message ?? 'The zero-shot head has nothing to train: evaluated as is.',
              best_epoch: result?.best ? result.best.epoch + 1 : null,
              timings: encAll
                ? { encode_s: encAll.encoded.seconds, distinct_texts: encAll.distinct, cached: encAll.encoded.cached, train_s: trainSeconds }
                : { encode_train_s: encTrain.encoded.seconds, encode_dev_s: encDev.encoded.seconds, cached_train: encTrain.encoded.cached, cached_dev: encDev.encoded.cached, train_s: trainSeconds },
              encoder: { name: encoder.info.name, hash: encoder.info.hash, ep: encoder.info.ep, tmax: encoder.tmax },
              out,
              ...(failure ? { failed: failure } : {}),
              adapter: adapterJson(gpu),
            };
            reports.push(report);
            summaries.push({ task: task.name, head, accuracy: final.metrics.accuracy, macroF1: final.metrics.macroF1, loss: final.loss, bestEpoch: report.best_epoch, trainSeconds, out });
            if (!c.json && !several) {
              console.log(report.message);
              for (const line of devSummary(final.metrics, devSet.examples.length, trainSet.labels.length, cal)) console.log(line);
            }
          } finally {
            trainer.dispose();
            h.dispose();
          }
        }
      }
      if (c.json) console.log(JSON.stringify(several ? reports : reports[0]));
      else if (encAll === noFeatures) {
        if (several) for (const line of comparisonTable(summaries)) console.log(line);
        const trainTotal = summaries.reduce((s, r) => s + r.trainSeconds, 0);
        console.log(`no feature encode (token ids, encoder in WGSL); train ${trainTotal.toFixed(1)} s on ${describeAdapter(gpu.report)}`);
      } else if (!encAll) {
        console.log(`encode ${encTrain.encoded.seconds.toFixed(1)} s + ${encDev.encoded.seconds.toFixed(1)} s (${encoder.info.ep}), train ${summaries[0].trainSeconds.toFixed(1)} s on ${describeAdapter(gpu.report)}`);
      } else {
        for (const line of comparisonTable(summaries)) console.log(line);
        const trainTotal = summaries.reduce((s, r) => s + r.trainSeconds, 0);
        console.log(
          `encode ${encAll.encoded.seconds.toFixed(1)} s (${encoder.info.ep}): ${encAll.distinct} distinct texts, ${encAll.encoded.cached} from the feature cache, shared by ${summaries.length} runs; ` +
            `train ${trainTotal.toFixed(1)} s on ${describeAdapter(gpu.report)}`,
        );
      }
      if (failures.length) throw new RunFailedError(`${failures.length} of ${reports.length} ${reports.length === 1 ? 'run' : 'runs'} ended without a finite head: ${failures.join(' ')}`);
    });
  } finally {
    await encoder.dispose();
  }
}
