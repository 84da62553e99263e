// The `labeltune` command: the studio's core, headless in Node (onnxruntime-node for the encoder, WebGPU through
// the `webgpu` package for the heads). Design decision: every command goes file -> src/data -> src/encoder (with
// the on-disk feature cache) -> src/heads + src/train, exactly the modules the browser uses; bad input is one
// line on stderr and exit code 1 (usage errors 2), never a stack trace.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { alignDev, DataError, loadDataset, splitDataset, type Dataset } from '../data';
import { Encoder } from '../encoder/encoder';
import { NodeCacheStore } from '../encoder/cache-store-node';
import { cacheKey } from '../encoder/cache-key';
import { FeatureCache } from '../encoder/feature-cache';
import { loadModelSourceNode } from '../encoder/sources-node';
import type { EncodedExample, EncodeProgress } from '../encoder/types';
import { acquireGpu, describeAdapter } from '../gpu/device';
import { GpuEngine } from '../gpu/engine';
import { exportHead } from '../heads/serialize';
import { buildHead, HEAD_KINDS, headTrainDefaults, type HeadKind } from './heads';
import type { TrainExample } from '../train/batches';
import { Trainer } from '../train/trainer';

const USAGE = `labeltune — train label-representation heads on a frozen text encoder

Usage:
  labeltune train --data FILE [--dev FILE | --dev-split 0.1] [--text COL] [--text-pair COL] [--label COL]
                  [--head ${HEAD_KINDS.join('|')}] [--model default|DIR] [--epochs N] [--batch N] [--lr X]
                  [--seed S] [--tmax N] [--label-texts "name=text,..."] [--out head.safetensors]
                  [--no-cache] [--json]
  labeltune encode --data FILE [--text COL] [--text-pair COL] [--label COL] [--model default|DIR] [--json]

Files: CSV, TSV (with or without header), JSON, JSONL, or "LABEL text" lines; columns are detected when omitted.`;

class UsageError extends Error {}

interface Common {
  data: string;
  text?: string;
  textPair?: string;
  label?: string;
  model: string;
  json: boolean;
  cache: boolean;
  tmax?: number;
}

function readDataset(path: string, c: Common): Dataset {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return loadDataset(bytes, path, { textColumn: c.text, textPairColumn: c.textPair, labelColumn: c.label }).dataset;
}

/**
 * Label texts (what the encoder reads for each label's seed): the names, or `name=text` pairs separated by commas
 * (e.g. "0=description,1=entity"); every named label must exist, unnamed ones keep their name.
 */
export function parseLabelTexts(spec: string | undefined, labels: readonly string[]): string[] {
  const texts = [...labels];
  if (!spec) return texts;
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new UsageError(`--label-texts: "${part}" is not name=text (e.g. --label-texts "pos=positive review,neg=negative review")`);
    const name = part.slice(0, eq).trim();
    const text = part.slice(eq + 1).trim();
    const k = labels.indexOf(name);
    if (k < 0) throw new UsageError(`--label-texts: no label "${name}" in the data (labels: ${labels.join(', ')})`);
    if (!text) throw new UsageError(`--label-texts: the text for "${name}" is empty`);
    texts[k] = text;
  }
  return texts;
}

function progressBar(label: string, quiet: boolean): (p: EncodeProgress) => void {
  if (quiet || !process.stderr.isTTY) return () => {};
  return (p) => {
    const w = 30;
    const done = Math.round((w * p.done) / Math.max(1, p.total));
    const eta = Number.isFinite(p.etaSeconds) ? `${p.etaSeconds.toFixed(0)}s left` : '';
    process.stderr.write(`\r${label} [${'#'.repeat(done)}${'.'.repeat(w - done)}] ${p.done}/${p.total} ${p.textsPerSecond.toFixed(0)}/s ${eta} (${p.cached} cached)   `);
    if (p.done === p.total) process.stderr.write('\n');
  };
}

async function openEncoder(c: Common) {
  const files = await loadModelSourceNode(c.model === 'default' ? { kind: 'default' } : { kind: 'paths', model: c.model });
  const encoder = await Encoder.load(files, { runtime: 'node', epPolicy: 'auto', tmax: c.tmax });
  const cache = c.cache ? await FeatureCache.open({ store: new NodeCacheStore() }) : null;
  return { encoder, cache };
}

async function encodeDataset(encoder: Encoder, cache: FeatureCache | null, ds: Dataset, label: string, quiet: boolean) {
  const t0 = performance.now();
  let cached = 0;
  const features = await encoder.encode(
    ds.examples.map((x) => (x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair })),
    {
      cache: cache ?? undefined,
      cacheKey: cache ? (i) => cacheKey({ modelHash: encoder.info.hash, tmax: encoder.tmax, text: i.text, textPair: i.textPair }) : undefined,
      onProgress: (p) => {
        cached = p.cached;
        progressBar(label, quiet)(p);
      },
    },
  );
  return { features, seconds: (performance.now() - t0) / 1000, cached };
}

function toExamples(ds: Dataset, features: EncodedExample[]): TrainExample[] {
  return ds.examples.map((x, i) => ({ features: features[i], label: x.label }));
}

async function train(argv: string[]): Promise<void> {
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
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.data) throw new UsageError('train needs --data FILE');
  if (values.dev && values['dev-split']) throw new UsageError('use either --dev FILE or --dev-split FRACTION, not both');
  const head = values.head as HeadKind;
  if (!HEAD_KINDS.includes(head)) throw new UsageError(`unknown --head "${values.head}"; choose one of ${HEAD_KINDS.join(', ')}`);
  const num = (name: string, v: string | undefined, int: boolean): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || (int && !Number.isInteger(n)) || n < 0) throw new UsageError(`--${name} must be a ${int ? 'non-negative integer' : 'number'}, got "${v}"`);
    return n;
  };
  const c: Common = {
    data: values.data,
    text: values.text,
    textPair: values['text-pair'],
    label: values.label,
    model: values.model!,
    json: values.json!,
    cache: !values['no-cache'],
    tmax: num('tmax', values.tmax, true),
  };
  const full = readDataset(c.data, c);
  let trainSet: Dataset;
  let devSet: Dataset;
  if (values.dev) {
    trainSet = full;
    devSet = alignDev(full, readDataset(values.dev, c));
  } else {
    ({ train: trainSet, dev: devSet } = splitDataset(full, { devFraction: num('dev-split', values['dev-split'], false) ?? 0.1, seed: num('seed', values.seed, true) }));
  }
  const { encoder, cache } = await openEncoder(c);
  const gpu = await acquireGpu();
  const engine = new GpuEngine(gpu);
  try {
    const enc = await encodeDataset(encoder, cache, trainSet, 'encode train', c.json);
    const encDev = await encodeDataset(encoder, cache, devSet, 'encode dev  ', c.json);
    // Label seeds: each label's text (its name) through the same frozen encoder.
    const labelTexts = parseLabelTexts(values['label-texts'], trainSet.labels);
    const seeds = await encoder.encode(labelTexts.map((text) => ({ text })));
    await cache?.close();
    const pair = trainSet.examples.some((x) => x.textPair !== undefined) && !encoder.info.hasPairInput;
    const h = buildHead(engine, head, { C: encoder.info.hiddenSize, labels: trainSet.labels.length, pair, labelFeatures: seeds, seed: Number(values.seed) });
    const trainer = new Trainer(engine, h, {
      epochs: num('epochs', values.epochs, true)!,
      batchSize: num('batch', values.batch, true)!,
      seed: num('seed', values.seed, true)!,
      tmax: encoder.tmax,
      ...headTrainDefaults(head),
      ...(values.lr !== undefined ? { lr: num('lr', values.lr, false)! } : {}),
    });
    const trainEx = toExamples(trainSet, enc.features);
    const devEx = toExamples(devSet, encDev.features);
    const t0 = performance.now();
    const result = h.params.length
      ? await trainer.fit(trainEx, devEx, {
          onEval: (r) => {
            if (!c.json) console.error(`epoch ${r.epoch + 1}: dev loss ${r.loss.toFixed(4)}  accuracy ${(r.metrics.accuracy * 100).toFixed(2)}%  macro-F1 ${(r.metrics.macroF1 * 100).toFixed(2)}`);
          },
        })
      : null;
    const final = await trainer.evaluate(devEx);
    const trainSeconds = (performance.now() - t0) / 1000;
    // The trainer restored the best dev checkpoint, so h holds the best head.
    if (values.out) {
      const meta = {
        labels: trainSet.labels,
        labelTexts,
        encoder: { name: encoder.info.name, hash: encoder.info.hash },
        tokenizer: { tmax: encoder.tmax, pair: pair ? 'side-by-side' : encoder.info.hasPairInput && trainSet.examples.some((x) => x.textPair !== undefined) ? 'pair-input' : 'none' } as const,
        training: { data: c.data, epochs: num('epochs', values.epochs, true), batch: num('batch', values.batch, true), lr: values.lr === undefined ? null : Number(values.lr), seed: num('seed', values.seed, true), best_epoch: result?.best ? result.best.epoch + 1 : null },
        metrics: { accuracy: final.metrics.accuracy, macroF1: final.metrics.macroF1, loss: final.loss },
      };
      writeFileSync(values.out, await exportHead(h, meta));
    }
    const report = {
      command: 'train',
      head,
      data: c.data,
      labels: trainSet.labels,
      train_examples: trainSet.examples.length,
      dev_examples: devSet.examples.length,
      dev: { accuracy: final.metrics.accuracy, macro_f1: final.metrics.macroF1, loss: final.loss, confusion: final.metrics.confusion },
      stopped_by: result?.stoppedBy ?? 'no-training',
      message: result?.message ?? 'The zero-shot head has nothing to train: evaluated as is.',
      best_epoch: result?.best ? result.best.epoch + 1 : null,
      timings: { encode_train_s: enc.seconds, encode_dev_s: encDev.seconds, cached_train: enc.cached, cached_dev: encDev.cached, train_s: trainSeconds },
      encoder: { name: encoder.info.name, hash: encoder.info.hash, ep: encoder.info.ep, tmax: encoder.tmax },
      out: values.out ?? null,
      adapter: { ...gpu.report, limits: undefined, features: undefined, description: describeAdapter(gpu.report) },
    };
    if (c.json) console.log(JSON.stringify(report));
    else {
      console.log(`${result?.message ?? report.message}`);
      console.log(`dev accuracy ${(final.metrics.accuracy * 100).toFixed(2)}%, macro-F1 ${(final.metrics.macroF1 * 100).toFixed(2)} (${devSet.examples.length} examples, ${trainSet.labels.length} labels)`);
      console.log(`encode ${enc.seconds.toFixed(1)} s + ${encDev.seconds.toFixed(1)} s (${encoder.info.ep}), train ${trainSeconds.toFixed(1)} s on ${describeAdapter(gpu.report)}`);
    }
    trainer.dispose();
    h.dispose();
  } finally {
    await encoder.dispose();
    engine.destroy();
    gpu.destroy();
  }
}

async function encode(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      text: { type: 'string' },
      'text-pair': { type: 'string' },
      label: { type: 'string' },
      model: { type: 'string', default: 'default' },
      tmax: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.data) throw new UsageError('encode needs --data FILE');
  const c: Common = { data: values.data, text: values.text, textPair: values['text-pair'], label: values.label, model: values.model!, json: values.json!, cache: true, tmax: values.tmax ? Number(values.tmax) : undefined };
  const ds = readDataset(c.data, c);
  const { encoder, cache } = await openEncoder(c);
  try {
    const r = await encodeDataset(encoder, cache, ds, 'encode', c.json);
    await cache?.close();
    const out = { command: 'encode', data: c.data, texts: ds.examples.length, cached: r.cached, encoded: ds.examples.length - r.cached, seconds: r.seconds, encoder: { name: encoder.info.name, ep: encoder.info.ep } };
    console.log(c.json ? JSON.stringify(out) : `encoded ${out.encoded} texts, ${out.cached} from the feature cache, in ${r.seconds.toFixed(1)} s`);
  } finally {
    await encoder.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'train') await train(rest);
    else if (command === 'encode') await encode(rest);
    else if (!command || command === '--help' || command === 'help') {
      console.log(USAGE);
      return command ? 0 : 2;
    } else throw new UsageError(`unknown command "${command}" (commands: train, encode)`);
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError || (err instanceof TypeError && /parseArgs|option/i.test(msg))) {
      console.error(`labeltune: ${msg}\n(run "labeltune --help" for usage)`);
      return 2;
    }
    console.error(`labeltune: ${err instanceof DataError ? `${msg}` : msg}`);
    return 1;
  }
}
