// What one head kind tells the rest of the program (the studio, the CLI, serialize, ONNX export): how to build it,
// its training defaults, how its config goes in and out of a head file, and its ONNX graph. Each kind's entry
// lives in ./kinds/<kind>.ts; ./registry.ts lists them. Also the small checked readers the codecs share.
// Design decision: an entry declares the INPUT its head trains on (`input`): today every kind reads cached encoder
// features, but kinds that run the encoder themselves (full fine-tuning from cached token ids, faithful L-Tuning
// per (text, label) pair) declare 'token-ids', so a caller knows what to prepare before it builds the head.
import type { GpuEngine } from '../gpu/engine';
import type { EncoderSpec } from '../model/spec';
import type { Graph } from '../onnx/graph';
import { MAX_LABELS } from '../util/limits';
import type { Head } from './head';
import type { HeadKind } from './registry';
import type { F32Tensor } from './safetensors';
import type { HeadMeta } from './serialize';

/** A head's config as stored in a file's metadata (JSON object). */
export type Config = Record<string, unknown>;

/** One label text through the frozen encoder (an EncodedExample satisfies it): token states and pooled seed. */
export interface LabelFeatures {
  /** (T, C) token states; rows past `length` are padding. */
  tokens: Float32Array;
  /** (C) pooled vector: the label's seed. */
  pooled: Float32Array;
  /** Real token rows. */
  length: number;
}

/** What the caller knows when it builds a fresh head: widths, labels, pairs, the label texts' features, a seed. */
export interface HeadContext {
  C: number;
  labels: number;
  /** Pairs encoded side by side (the encoder has no pair input). */
  pair: boolean;
  /** The label texts through the frozen encoder, one per label: pooled seeds and token states. */
  labelFeatures: LabelFeatures[];
  seed: number;
  /** The encoder's own graph, for kinds that run the encoder in WGSL (input 'token-ids'); absent when unreadable. */
  encoderSpec?: EncoderSpec;
  /** Layer-wise learning-rate decay for kinds that train encoder layers (1 = off). */
  layerDecay?: number;
  /** false: the head will only run forward (it gets trained values written in); a kind may skip its gradients. */
  trainable?: boolean;
}

/** What a loader may need beyond the file: the base encoder's graph (fine-tuned models are stored on top of it). */
export interface LoadContext {
  encoderSpec?: EncoderSpec;
  /** false: the head will only run forward (eval, predict, export); a kind may then skip its gradients. */
  trainable?: boolean;
}

/** Training defaults that differ by kind (the trainer's options). */
export interface TrainDefaults {
  lr: number;
  /** 'softmax': cross-entropy over labels; 'match': L-Tuning's (text, label) match / no-match pairs. */
  objective: 'softmax' | 'match';
}

/**
 * What the head trains on: 'features' = cached encoder outputs (token states + pooled vector, HeadBatch);
 * 'token-ids' = the tokenizer's ids (the head runs the encoder itself: finetune).
 */
export type HeadInput = 'features' | 'token-ids';

/** A parsed head file, for ONNX export (no GPU). */
export interface HeadSource {
  kind: HeadKind;
  config: Config;
  tensors: Record<string, F32Tensor>;
  meta: HeadMeta;
}

/** The value names a head's ONNX nodes read. */
export interface HeadInputs {
  tokens: string; // (B, T, C)
  mask: string; // (B, T) float
  pooled: string; // (B, C)
  pooledB: string | null; // (B, C)
}

export interface HeadOnnxOut {
  /** (B, L) logits value name. */
  logits: string;
  L: number;
  C: number;
}

/** The file codec: a live head's config out, a stored config's tensors checked and the head rebuilt. */
export interface HeadCodec {
  /** The config JSON and constant `config.*` tensors of a live head of this kind. */
  save(head: Head): { config: Config; extra: Record<string, F32Tensor> };
  /** Validate a stored config (HeadFileError); the label count and every tensor the file must hold, with shapes. */
  expect(config: Config): { L: number; shapes: Map<string, number[]> };
  /** Rebuild the head from a validated config and tensors (the shapes `expect` returned). */
  load(e: GpuEngine, config: Config, tensors: Record<string, F32Tensor>, L: number, ctx?: LoadContext): Head;
}

export interface HeadKindEntry<K extends string = string> {
  kind: K;
  /** Short name and one line for the studio's head picker. */
  title: string;
  blurb: string;
  input: HeadInput;
  /** The build needs the label texts' token states (HeadContext.labelFeatures) even for a token-id kind (L-Tuning). */
  labelStates?: boolean;
  /**
   * 'joint': a pair always runs as ONE token sequence (the tokenizer's pair form: BERT's [CLS] a [SEP] b [SEP],
   * or a then b for a model without a pair template), never side by side; the build gets pair = false.
   */
  pairs?: 'joint';
  trainDefaults: TrainDefaults;
  build(e: GpuEngine, ctx: HeadContext): Head;
  codec: HeadCodec;
  /** Build the head's nodes into `g` from `io` (parameters from `P`, every file tensor must be used). */
  onnx(g: Graph, P: OnnxParams, src: HeadSource, io: HeadInputs): HeadOnnxOut;
}

// --- errors and checked readers ------------------------------------------------------------------------------

export class HeadFileError extends Error {
  constructor(message: string) {
    super(`head file: ${message}`);
    this.name = 'HeadFileError';
  }
}

export class HeadOnnxError extends Error {
  constructor(message: string) {
    super(`head ONNX export: ${message}`);
    this.name = 'HeadOnnxError';
  }
}

type Err = new (message: string) => Error;

/**
 * The most a head file may ask for, by config key (labels as datasets are capped, at MAX_LABELS): a stored config
 * is untrusted, and these numbers size allocations and loops. Checked by int() for every key listed here.
 */
export const IMPORT_LIMITS = {
  /** Labels (L, labels): as many as a dataset may have (util/limits.ts MAX_LABELS, which data/ reads too). */
  labels: MAX_LABELS,
  /** Encoder width C (BERT-large is 1024). */
  width: 16384,
  /** Head width d, FFN width, attention heads, decoder layers, prefix vectors per label. */
  d: 4096,
  ffn: 65536,
  H: 256,
  N: 64,
  m: 256,
  /** Label-text tokens Tl and the token limit tmax. */
  tokens: 8192,
  /** Characters in one label name or label text. */
  labelChars: 100_000,
} as const;

const CAPS: Record<string, number> = {
  C: IMPORT_LIMITS.width,
  L: IMPORT_LIMITS.labels,
  labels: IMPORT_LIMITS.labels,
  d: IMPORT_LIMITS.d,
  ffn: IMPORT_LIMITS.ffn,
  H: IMPORT_LIMITS.H,
  N: IMPORT_LIMITS.N,
  m: IMPORT_LIMITS.m,
  Tl: IMPORT_LIMITS.tokens,
  tmax: IMPORT_LIMITS.tokens,
  // Frozen-encoder tuning heads (./kinds/ltuning-encoder.ts): prefix/prompt rows, encoder input and pooled widths, label tokens.
  P: IMPORT_LIMITS.m,
  E: IMPORT_LIMITS.width,
  Cp: IMPORT_LIMITS.width,
  lmax: IMPORT_LIMITS.tokens,
};

/** A positive integer config entry, at most IMPORT_LIMITS' cap for its key (where it has one). */
export function int(c: Config, key: string, what: string, E: Err = HeadFileError): number {
  const v = c[key];
  if (!Number.isInteger(v) || (v as number) < 1) throw new E(`${what}.${key} must be a positive integer, got ${JSON.stringify(v)}`);
  const max = Object.hasOwn(CAPS, key) ? CAPS[key] : undefined;
  if (max !== undefined && (v as number) > max) throw new E(`${what}.${key} is ${v}, more than a head file may have (at most ${max.toLocaleString('en-US')})`);
  return v as number;
}

export function finiteNum(c: Config, key: string, what: string, E: Err = HeadFileError): number {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new E(`${what}.${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

export function bool(c: Config, key: string, what: string): boolean {
  const v = c[key];
  if (typeof v !== 'boolean') throw new HeadFileError(`${what}.${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Config readers for ONNX export (errors name the export, not the file). */
export const cInt = (c: Config, key: string, kind: string) => int(c, key, `config (${kind})`, HeadOnnxError);
export const cNum = (c: Config, key: string, kind: string) => finiteNum(c, key, `config (${kind})`, HeadOnnxError);

/** Every `param.*` tensor of a file, by parameter name. */
export function paramInit(tensors: Record<string, F32Tensor>): Record<string, Float32Array> {
  const init: Record<string, Float32Array> = {};
  for (const name of Object.keys(tensors)) if (name.startsWith('param.')) init[name.slice(6)] = tensors[name].data;
  return init;
}

/** A head file's tensors as graph initializers, each checked against the shape the config implies; tracks use. */
export class OnnxParams {
  private readonly used = new Set<string>();
  constructor(
    private readonly g: Graph,
    private readonly src: HeadSource,
  ) {}

  /** The initializer for file tensor `name` (e.g. "param.Wf"), which must have exactly `shape`. */
  get(name: string, shape: number[]): string {
    return this.g.initializer(name, Float32Array.from(this.raw(name, shape)), shape);
  }

  /** The checked values of file tensor `name` (no initializer: the caller transforms them first). */
  raw(name: string, shape: number[]): Float32Array {
    const t = this.src.tensors[name];
    if (!t) throw new HeadOnnxError(`the ${this.src.kind} head file has no tensor "${name}" (shape [${shape}] expected)`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new HeadOnnxError(`tensor "${name}" has shape [${t.shape}], the ${this.src.kind} config needs [${shape}]`);
    }
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new HeadOnnxError(`tensor "${name}" holds a non-finite value (${t.data[bad]}) at index ${bad}`);
    this.used.add(name);
    return t.data;
  }

  /** Every file tensor must have been used. */
  finish(): void {
    const extra = Object.keys(this.src.tensors).filter((n) => !this.used.has(n));
    if (extra.length) throw new HeadOnnxError(`unexpected tensor(s) ${extra.map((n) => `"${n}"`).join(', ')} for a ${this.src.kind} head with this config`);
  }
}

/** The label texts' pooled seeds as one (L, C) array. */
export function seedMatrix(ctx: HeadContext): Float32Array {
  const seeds = new Float32Array(ctx.labels * ctx.C);
  ctx.labelFeatures.forEach((f, l) => seeds.set(f.pooled, l * ctx.C));
  return seeds;
}
