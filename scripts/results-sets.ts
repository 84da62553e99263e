// The benchmark sets of docs/RESULTS.md (files in ../shared/data, sizes, label texts) and how each is split, shared
// by the full-budget runner (results.ts), the equal-budget runner (results-budget.ts) and Table 1 (results-table1.ts),
// with the inputs of the heads over cached features (encoderInputs, featureExamples, sideBySidePairs).
// Design decision: every split is fixed (seed 0, stratified) and independent of the training seed, so every head
// and every seed sees the same training, selection and evaluation examples.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alignDev, loadDataset, splitDataset, type Dataset } from '../src/data';
import type { Encoder, EncodeInput } from '../src/encoder/encoder';
import type { EncoderInfo } from '../src/encoder/types';
import type { TrainExample } from '../src/train/batches';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const dataDir = process.env.LABELTUNE_DATA ?? resolve(root, '../shared/data');

export interface SetSpec {
  title: string;
  train: string;
  evalFile: string;
  evalName: string;
  /** Cap on training examples (a fixed stratified subset), to fit the CPU budget; null = all. */
  trainLimit: number | null;
  /** Descriptive label texts by label name (label names alone carry no meaning for digits). */
  labelTexts: Record<string, string>;
  /** Epochs for the attention heads (probes always get 10, with early stopping). */
  epochs: number;
  /** Token rows per example the heads read (the encoder still sees up to 128); default: the encoder's Tmax. */
  headTmax?: number;
}

export const SETS: Record<string, SetSpec> = {
  sst2: {
    title: 'SST-2',
    train: 'sst2/train.tsv',
    evalFile: 'sst2/dev.tsv',
    evalName: 'dev (872)',
    trainLimit: 5000,
    labelTexts: { '0': 'This review is negative.', '1': 'This review is positive.' },
    epochs: 4,
  },
  trec: {
    title: 'TREC-6',
    train: 'trec/train.txt',
    evalFile: 'trec/test.txt',
    evalName: 'test (500)',
    trainLimit: null,
    labelTexts: {
      '0': 'a question asking for a description',
      '1': 'a question asking for an entity',
      '2': 'a question asking for an abbreviation',
      '3': 'a question asking for a person',
      '4': 'a question asking for a location',
      '5': 'a question asking for a number',
    },
    epochs: 4,
  },
  agnews: {
    title: 'AG News',
    train: 'agnews/dev.tsv',
    evalFile: 'agnews/test.tsv',
    evalName: 'test (7,600)',
    trainLimit: 2000,
    labelTexts: { World: 'World news', Sports: 'Sports news', Business: 'Business news', 'Sci/Tech': 'Science and technology news' },
    epochs: 3,
    headTmax: 64,
  },
  rte: {
    title: 'RTE',
    train: 'rte/train.tsv',
    evalFile: 'rte/dev.tsv',
    evalName: 'dev (277)',
    trainLimit: null,
    labelTexts: { entailment: 'The second sentence follows from the first.', not_entailment: 'The second sentence does not follow from the first.' },
    epochs: 3,
  },
  mrpc: {
    title: 'MRPC',
    train: 'mrpc/train.tsv',
    evalFile: 'mrpc/dev.tsv',
    evalName: 'dev (408)',
    trainLimit: null,
    labelTexts: { '0': 'The two sentences mean different things.', '1': 'The two sentences mean the same thing.' },
    epochs: 3,
  },
};

export function readSet(spec: SetSpec): { train: Dataset; selection: Dataset; evaluation: Dataset } {
  const full = loadDataset(readFileSync(join(dataDir, spec.train)), spec.train).dataset;
  let pool = full;
  if (spec.trainLimit !== null && full.examples.length > spec.trainLimit) {
    // A fixed stratified subset: the "dev" side of a seeded split sized to the limit.
    pool = splitDataset(full, { devFraction: spec.trainLimit / full.examples.length, seed: 0 }).dev;
  }
  const { train, dev: selection } = splitDataset(pool, { devFraction: 0.1, seed: 0 });
  const evaluation = alignDev(full, loadDataset(readFileSync(join(dataDir, spec.evalFile)), spec.evalFile).dataset);
  return { train, selection, evaluation };
}


/** The commit a results row was produced at (short hash), or 'unknown' outside a git checkout. */
export function commitId(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=10', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The predicted label of each of n rows of (n, L) logits (the first of equal maxima). */
export function argmaxRows(logits: ArrayLike<number>, n: number, L: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let y = 1; y < L; y++) if (logits[i * L + y] > logits[i * L + out[i]]) out[i] = y;
  return out;
}

/** A fixed stratified subset of at most n examples (seed 0, independent of the training seed). */
export function capSet(ds: Dataset, n: number): Dataset {
  return ds.examples.length > n ? splitDataset(ds, { devFraction: n / ds.examples.length, seed: 0 }).dev : ds;
}

/** The encoder inputs of a set's examples: a pair keeps its second text. */
export function encoderInputs(ds: Dataset): EncodeInput[] {
  return ds.examples.map((x) => (x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair }));
}

/** Heads over cached features read a pair side by side (the pair-features token) when the set has pairs and the
 *  encoder has no pair input of its own. */
export function sideBySidePairs(ds: Dataset, info: Pick<EncoderInfo, 'hasPairInput'>): boolean {
  return ds.examples.some((x) => x.textPair !== undefined) && !info.hasPairInput;
}

/** Every example with the encoder's features (no feature cache): the inputs of the heads over cached features. */
export async function featureExamples(encoder: Pick<Encoder, 'encode'>, ds: Dataset): Promise<TrainExample[]> {
  const f = await encoder.encode(encoderInputs(ds));
  return ds.examples.map((x, i) => ({ features: f[i], label: x.label }));
}
