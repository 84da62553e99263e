// The encoder side of the labeltune commands: load the model, encode texts through the on-disk feature cache
// with a progress bar, and pair the features with labels. Design decision: several datasets that share texts
// (train and dev, or one dataset per label column) are encoded as ONE list of distinct inputs, so each text goes
// through the encoder (or the cache) once per command. `inferLogits` picks a head's input path for eval/predict.
import { DataError, type Dataset, type Example } from '../data';
import { InputError } from '../encoder/encode';
import { Encoder } from '../encoder/encoder';
import { NodeCacheStore } from '../encoder/cache-store-node';
import { cacheKey } from '../encoder/cache-key';
import { FeatureCache } from '../encoder/feature-cache';
import type { ModelFiles } from '../encoder/model-files';
import { loadModelSourceNode } from '../encoder/sources-node';
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import type { TrainExample } from '../train/batches';
import { headLogits } from '../train/inference';
import { pairModeOf, readsTokenIds, tokenHeadLogits, type TextInput } from '../train/token-inference';
import { encodeProgress } from './progress';

export interface EncoderSession {
  encoder: Encoder;
  cache: FeatureCache | null;
  /** The model's files (the WGSL encoder reads its graph from the same model.onnx). */
  files: ModelFiles;
}

export async function openEncoder(o: { model: string; tmax?: number; cache: boolean }): Promise<EncoderSession> {
  const files = await loadModelSourceNode(o.model === 'default' ? { kind: 'default' } : { kind: 'paths', model: o.model });
  const encoder = await Encoder.load(files, { runtime: 'node', epPolicy: 'auto', tmax: o.tmax });
  const cache = o.cache ? await FeatureCache.open({ store: new NodeCacheStore() }) : null;
  return { encoder, cache, files };
}

export type { TextInput };

export interface Encoded {
  features: EncodedExample[];
  seconds: number;
  /** Inputs served from the feature cache. */
  cached: number;
}

/**
 * Encode inputs in order through the feature cache (when there is one), drawing `label`'s progress bar on a TTY.
 * `where(i)` names input i for an error ("line 7 of data.tsv"); an input that cannot be encoded is a DataError.
 */
export async function encodeInputs(s: EncoderSession, inputs: readonly TextInput[], label: string, quiet: boolean, where?: (i: number) => string): Promise<Encoded> {
  const { encoder, cache } = s;
  const t0 = performance.now();
  let cached = 0;
  const draw = encodeProgress(label, quiet);
  const features = await encoder.encode(
    inputs.map((x) => (x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair })),
    {
      cache: cache ?? undefined,
      cacheKey: cache ? (i) => cacheKey({ modelHash: encoder.info.hash, tmax: encoder.tmax, text: i.text, textPair: i.textPair }) : undefined,
      onProgress: (p) => {
        cached = p.cached;
        draw(p);
      },
    },
  ).catch((err: unknown) => {
    if (err instanceof InputError && where) throw new DataError('bad-text', `${where(err.index)}: ${err.message.replace(/^encode: input \d+ /, 'the text ')}. Shorten or fix that row.`);
    throw err;
  });
  return { features, seconds: (performance.now() - t0) / 1000, cached };
}

function inputOf(x: Example): TextInput {
  return x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair };
}

/** The key under which an input's features are shared (text and second text, unambiguous). */
function inputKey(x: TextInput): string {
  return x.textPair === undefined ? `1\u0000${x.text}` : `2\u0000${x.text}\u0000${x.textPair}`;
}

/**
 * Encode the examples of several datasets once: the distinct inputs are encoded (in first-seen order) and every
 * dataset gets its examples' features back, in its own order.
 */
export async function encodeDatasets(s: EncoderSession, sets: readonly Dataset[], label: string, quiet: boolean, files: readonly string[] = []): Promise<{ features: EncodedExample[][]; encoded: Encoded; distinct: number }> {
  const index = new Map<string, number>();
  const inputs: TextInput[] = [];
  const origin: string[] = [];
  const positions = sets.map((ds, d) =>
    ds.examples.map((x) => {
      const input = inputOf(x);
      const key = inputKey(input);
      let k = index.get(key);
      if (k === undefined) {
        k = inputs.length;
        index.set(key, k);
        inputs.push(input);
        origin.push(`line ${x.line}${files[d] ? ` of ${files[d]}` : ''}`);
      }
      return k;
    }),
  );
  const encoded = await encodeInputs(s, inputs, label, quiet, (i) => origin[i]);
  return { features: positions.map((ps) => ps.map((k) => encoded.features[k])), encoded, distinct: inputs.length };
}

export function toExamples(ds: Dataset, features: readonly EncodedExample[]): TrainExample[] {
  return ds.examples.map((x, i) => (x.labels ? { features: features[i], label: x.label, labels: x.labels } : { features: features[i], label: x.label }));
}

/**
 * The head's logits on the inputs in input order, through its own input path (cached features: encode +
 * headLogits; token-id kinds: train/token-inference.ts, no feature encode, `encoded` reports 0 s);
 * `seconds` is the head's own time (token-id heads: tokenise + WGSL encoder).
 */
export async function inferLogits(
  e: GpuEngine,
  head: Head,
  s: EncoderSession,
  inputs: readonly TextInput[],
  o: { pair: string | undefined; batch: number; label: string; quiet: boolean; rowName?: (i: number) => string },
): Promise<{ logits: Float32Array; encoded: Encoded; seconds: number }> {
  const tmax = s.encoder.tmax;
  const tokenIds = readsTokenIds(head);
  const encoded = tokenIds ? { features: [], seconds: 0, cached: 0 } : await encodeInputs(s, inputs, o.label, o.quiet, o.rowName);
  await s.cache?.close();
  const t0 = performance.now();
  const logits = tokenIds
    ? await tokenHeadLogits(e, head, s.encoder.tokenizer, inputs, tmax, pairModeOf(o.pair), { batchSize: o.batch })
    : await headLogits(e, head, encoded.features, { tmax, batchSize: o.batch });
  return { logits, encoded, seconds: (performance.now() - t0) / 1000 };
}
