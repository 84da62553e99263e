// Export / import of a trained head as ONE .safetensors file (container: ./safetensors.ts). Tensors are named
// `param.<name>` (the head's trainable parameters, read back from the GPU) and `config.<name>` (large constant
// inputs: Y-Tuning's label seeds, zero-shot's seeds); everything else lives in the string metadata, structured
// values JSON-encoded. Design decision: import validates everything before touching the GPU — format/version,
// a known kind, a config that rebuilds the head, the exact tensor set and shapes, finite values, and the ENCODER:
// a head trained on another encoder (a different identity: model + tokenizer + config + encode code version,
// src/encoder/identity.ts) is refused, never silently run on wrong features.
// Every kind round-trips, 'zeroshot' included (it has no parameters; its seeds and scale are stored instead);
// the L-Tuning heads store their fixed label inputs (prefix: label token states + mask; prompt: seeds) as config.*.
// What each kind stores (its config JSON, its tensors and their shapes) is its registry entry's codec (./kinds/).
// Sizes come from an untrusted file: every config number is capped (IMPORT_LIMITS, in int()) and every shape a
// codec's expect() derives is arithmetic only, compared with the file's own tensors BEFORE load() allocates or
// copies anything (a 5 KB forged config must never make the loader allocate gigabytes).
import type { EncoderSpec } from '../model/spec';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from './head';
import { HeadFileError, IMPORT_LIMITS, int, type Config } from './kind-entry';
import { HEAD_KINDS, headEntry, isHeadKind, type HeadKind } from './registry';
import { readSafetensors, writeSafetensors, type F32Tensor } from './safetensors';
import { readTaskMetadata, taskMetadata, unsupportedVersion, type HeadCalibration, type HeadTask } from './head-task';

export { HeadFileError, IMPORT_LIMITS } from './kind-entry';

export const HEAD_FORMAT = 'labeltune-head';
/**
 * 2: encoder_hash is the encoder identity (model + tokenizer + config + code version); 1 held the model's hash.
 * 3: a multi-label head (./head-task.ts); single-label heads are still written as 2.
 */
export const HEAD_FORMAT_VERSION = '3';
/** The version a head is written as: 3 only for multi-label heads, so older readers keep opening the rest. */
export function headFormatVersion(meta: Pick<HeadMeta, 'task'>): string {
  return meta.task?.multiLabel ? '3' : '2';
}

/** How pairs reach the encoder: single texts only, two texts encoded separately, or the model's pair input. */
export type PairHandling = 'none' | 'side-by-side' | 'pair-input';

/** What the caller knows about a head beyond its parameters (all of it stored in the file's metadata). */
export interface HeadMeta {
  /** Label names, index = class id (length L). */
  labels: string[];
  /** The text each label's seed was encoded from (length L; the names themselves by default). */
  labelTexts: string[];
  encoder: { name: string; hash: string };
  tokenizer: { tmax: number; pair: PairHandling };
  /** Training settings (epochs, lr, batch size, seed, ...), free-form JSON. */
  training: Record<string, unknown>;
  /** Dev metrics of the exported head. */
  metrics: { accuracy: number; macroF1: number } & Record<string, unknown>;
  /** ISO-8601 time of export (set by exportHead when absent). */
  createdAt?: string;
  /** Multi-label heads: sigmoid per label with tuned thresholds (./head-task.ts). Absent: single-label softmax. */
  task?: HeadTask;
  /** Temperature scaling fitted on dev (./head-task.ts). */
  calibration?: HeadCalibration;
}

/** What the loaded head must match. */
export interface ImportOptions {
  /** SHA-256 of the loaded encoder's ONNX file (EncoderInfo.hash). */
  encoderHash: string;
  /** The loaded encoder's name, for the refusal message. */
  encoderName?: string;
  /** The loaded encoder's width C (EncoderInfo.hiddenSize): a head whose config.C differs is refused. */
  encoderWidth?: number;
  /** The loaded encoder's graph (src/model), which a fine-tuned model's file is applied to. */
  encoderSpec?: EncoderSpec;
  /** false: load for inference only (eval, predict, export): kinds that support it allocate no gradients. */
  trainable?: boolean;
}

/** A head whose parameters are not all finite (a diverged run): it is never exported (nor should it be used). */
export class NonFiniteHeadError extends HeadFileError {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteHeadError';
  }
}

/** The first non-finite parameter value of a head, as "name[index] = value", or null when every value is finite. */
export async function firstNonFinite(head: Head): Promise<string | null> {
  for (const p of head.weights ?? head.params) {
    const data = await p.value.read();
    for (let i = 0; i < p.value.size; i++) if (!Number.isFinite(data[i])) return `${p.name}[${i}] = ${data[i]}`;
  }
  return null;
}

/** Serialise a head (parameters read back from the GPU; refused with NonFiniteHeadError when one is not finite) and its metadata to one .safetensors file. */
export async function exportHead(head: Head, meta: HeadMeta): Promise<Uint8Array> {
  const kind = head.kind;
  const { config, extra } = headEntry(kind).codec.save(head);
  if (meta.labels.length !== head.labels) throw new HeadFileError(`meta.labels has ${meta.labels.length} names but the head has ${head.labels} labels`);
  if (meta.labelTexts.length !== head.labels) throw new HeadFileError(`meta.labelTexts has ${meta.labelTexts.length} texts but the head has ${head.labels} labels`);
  const tensors: Record<string, F32Tensor> = {};
  for (const p of head.weights ?? head.params) {
    const read = await p.value.read();
    const data = read.length === p.value.size ? read : read.subarray(0, p.value.size);
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new NonFiniteHeadError(`parameter "${p.name}" holds ${data[bad]} at index ${bad} (the run diverged): nothing was exported`);
    tensors[`param.${p.name}`] = { shape: [...p.value.shape], data };
  }
  Object.assign(tensors, extra);
  const metadata: Record<string, string> = {
    format: HEAD_FORMAT,
    version: headFormatVersion(meta),
    kind,
    config: JSON.stringify(config),
    labels: JSON.stringify(meta.labels),
    label_texts: JSON.stringify(meta.labelTexts),
    encoder_name: meta.encoder.name,
    encoder_hash: meta.encoder.hash,
    tokenizer: JSON.stringify(meta.tokenizer),
    training: JSON.stringify(meta.training),
    metrics: JSON.stringify(meta.metrics),
    created_at: meta.createdAt ?? new Date().toISOString(),
    ...taskMetadata(meta.task, meta.calibration, head.labels),
  };
  return writeSafetensors(tensors, metadata);
}

// --- import --------------------------------------------------------------------------------------------------

function need(md: Record<string, string>, key: string): string {
  const v = md[key];
  if (v === undefined) throw new HeadFileError(`metadata "${key}" is missing (not a complete labeltune head export)`);
  return v;
}

function json(md: Record<string, string>, key: string): unknown {
  const raw = need(md, key);
  try {
    return JSON.parse(raw);
  } catch {
    throw new HeadFileError(`metadata "${key}" is not valid JSON: ${raw.slice(0, 80)}`);
  }
}

function obj(v: unknown, what: string): Config {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HeadFileError(`${what} must be a JSON object`);
  return v as Config;
}

function strings(v: unknown, n: number, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new HeadFileError(`${what} must be a JSON array of strings`);
  if (v.length !== n) throw new HeadFileError(`${what} has ${v.length} entries but the head has ${n} labels`);
  const long = v.findIndex((s) => s.length > IMPORT_LIMITS.labelChars);
  if (long >= 0) throw new HeadFileError(`${what} entry ${long} is ${v[long].length.toLocaleString('en-US')} characters long (at most ${IMPORT_LIMITS.labelChars.toLocaleString('en-US')})`);
  return v;
}

/**
 * Files written before issue 10 named the cached-feature label-attention heads `ltuning-prefix` / `ltuning-prompt`;
 * those names now belong to the published L-Tuning (which stores a `method`). Such a file (its config has `Tl`,
 * no `method`) is the same computation as today's `label-attn-*` kind and loads as that.
 */
function legacyKind(kind: HeadKind, config: Config): HeadKind {
  if ((kind === 'ltuning-prefix' || kind === 'ltuning-prompt') && config.method === undefined && config.Tl !== undefined) {
    return kind === 'ltuning-prefix' ? 'label-attn-prefix' : 'label-attn-prompt';
  }
  return kind;
}

const short = (h: string) => (h.length > 12 ? `${h.slice(0, 12)}…` : h);

/** Parse and validate a head file; builds the head on `e` only when every check passed. */
export function importHead(e: GpuEngine, bytes: Uint8Array, opts: ImportOptions): { head: Head; meta: HeadMeta } {
  const { tensors, metadata: md } = readSafetensors(bytes);
  const format = md.format;
  if (format !== HEAD_FORMAT) throw new HeadFileError(`format is ${JSON.stringify(format ?? null)}, expected "${HEAD_FORMAT}" (not a labeltune head export)`);
  const version = need(md, 'version');
  if (version === '1') {
    throw new HeadFileError('format version 1 recorded only the model\'s hash, not the tokenizer the head was trained under, so it cannot be checked against this encoder; retrain the head with this build');
  }
  if (version !== '2' && version !== '3') throw new HeadFileError(unsupportedVersion(version, HEAD_FORMAT_VERSION));
  const encoder = { name: need(md, 'encoder_name'), hash: need(md, 'encoder_hash') };
  if (encoder.hash !== opts.encoderHash) {
    const loaded = opts.encoderName ?? 'the loaded encoder';
    throw new HeadFileError(
      `this head was trained on ${encoder.name} (hash ${short(encoder.hash)}), the loaded encoder is ${loaded} (${short(opts.encoderHash)}) — the hash covers the model, tokenizer and config; load ${encoder.name} or retrain`,
    );
  }
  const kind = need(md, 'kind');
  if (!isHeadKind(kind)) throw new HeadFileError(`unknown head kind "${kind}" (known: ${HEAD_KINDS.join(', ')})`);
  const config = obj(json(md, 'config'), 'metadata "config"');
  const k: HeadKind = legacyKind(kind, config);
  const codec = headEntry(k).codec;
  let expected: { L: number; shapes: Map<string, number[]> };
  try {
    expected = codec.expect(config);
  } catch (err) {
    if (err instanceof HeadFileError) throw err;
    throw new HeadFileError(`config does not rebuild a ${k} head: ${(err as Error).message}`);
  }
  if (opts.encoderWidth !== undefined && typeof config.C === 'number' && config.C !== opts.encoderWidth) {
    throw new HeadFileError(
      `this head reads ${config.C}-wide encoder features, but ${opts.encoderName ?? 'the loaded encoder'} gives ${opts.encoderWidth}-wide ones (the file's encoder hash matches, so its config is corrupt or forged); re-export the head`,
    );
  }
  const L = expected.L;
  const labels = strings(json(md, 'labels'), L, 'metadata "labels"');
  const labelTexts = strings(json(md, 'label_texts'), L, 'metadata "label_texts"');
  const tok = obj(json(md, 'tokenizer'), 'metadata "tokenizer"');
  const tmax = int(tok, 'tmax', 'tokenizer');
  if (!['none', 'side-by-side', 'pair-input'].includes(tok.pair as string)) throw new HeadFileError(`tokenizer.pair must be "none", "side-by-side" or "pair-input", got ${JSON.stringify(tok.pair)}`);
  const training = obj(json(md, 'training'), 'metadata "training"');
  const metrics = obj(json(md, 'metrics'), 'metadata "metrics"') as HeadMeta['metrics'];
  const createdAt = need(md, 'created_at');
  const taskMeta = readTaskMetadata(md, version, L);
  // The exact tensor set, shapes and finite values.
  for (const name of Object.keys(tensors)) if (!expected.shapes.has(name)) throw new HeadFileError(`unexpected tensor "${name}" for a ${k} head`);
  for (const [name, shape] of expected.shapes) {
    const t = tensors[name];
    if (!t) throw new HeadFileError(`tensor "${name}" is missing`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) throw new HeadFileError(`tensor "${name}" has shape [${t.shape}], the config needs [${shape}]`);
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new HeadFileError(`tensor "${name}" holds a non-finite value (${t.data[bad]}) at index ${bad}`);
  }
  const head = codec.load(e, config, tensors, L, { encoderSpec: opts.encoderSpec, trainable: opts.trainable });
  return { head, meta: { labels, labelTexts, encoder, tokenizer: { tmax, pair: tok.pair as PairHandling }, training, metrics, createdAt, ...taskMeta } };
}
