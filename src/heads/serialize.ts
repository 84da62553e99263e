// Export / import of a trained head as ONE .safetensors file (container: ./safetensors.ts). Tensors are named
// `param.<name>` (the head's trainable parameters, read back from the GPU) and `config.<name>` (large constant
// inputs: Y-Tuning's label seeds, zero-shot's seeds); everything else lives in the string metadata, structured
// values JSON-encoded. Design decision: import validates everything before touching the GPU — format/version,
// a known kind, a config that rebuilds the head, the exact tensor set and shapes, finite values, and the ENCODER:
// a head trained on another encoder (different ONNX SHA-256) is refused, never silently run on wrong features.
// Every kind round-trips, 'zeroshot' included (it has no parameters; its seeds and scale are stored instead);
// the L-Tuning heads store their fixed label inputs (prefix: label token states + mask; prompt: seeds) as config.*.
// Sizes come from an untrusted file: every config number is capped (IMPORT_LIMITS) and every tensor shape the
// config implies is compared with the file's own tensors BEFORE anything is allocated or built from the config
// (a 5 KB forged config must never make the loader allocate gigabytes).
import type { GpuEngine } from '../gpu/engine';
import type { Head } from './head';
import { LabelTuningHead } from './label-tuning';
import { LinearHead } from './linear';
import { ltuningParamSpecs, type LTuningConfig, type LTuningKind, type LTuningResolved } from './ltuning-config';
import { LTuningPrefixHead } from './ltuning-prefix';
import { LTuningPromptHead } from './ltuning-prompt';
import { readSafetensors, writeSafetensors, type F32Tensor } from './safetensors';
import { YTuningHead } from './ytuning';
import { resolveYTuning, ytuningParamSpecs, type YTuningConfig } from './ytuning-config';
import { ZeroShotHead } from './zero-shot';

import { MAX_LABELS } from '../data/columns';

export const HEAD_FORMAT = 'labeltune-head';
export const HEAD_FORMAT_VERSION = '1';
export const EXPORTABLE_KINDS = ['linear', 'label', 'ytuning', 'zeroshot', 'ltuning-prefix', 'ltuning-prompt'] as const;
export type ExportableKind = (typeof EXPORTABLE_KINDS)[number];

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
}

/** What the loaded head must match. */
export interface ImportOptions {
  /** SHA-256 of the loaded encoder's ONNX file (EncoderInfo.hash). */
  encoderHash: string;
  /** The loaded encoder's name, for the refusal message. */
  encoderName?: string;
  /** The loaded encoder's width C (EncoderInfo.hiddenSize): a head reading another width is refused. */
  encoderWidth?: number;
}

/** The most a head file may ask for (as datasets are capped at MAX_LABELS labels). */
export const IMPORT_LIMITS = {
  labels: MAX_LABELS,
  /** Encoder width C (BERT-large is 1024; 16384 leaves room). */
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

export class HeadFileError extends Error {
  constructor(message: string) {
    super(`head file: ${message}`);
    this.name = 'HeadFileError';
  }
}

type Config = Record<string, unknown>;

function kindAndConfig(head: Head): { kind: ExportableKind; config: Config; extra: Record<string, F32Tensor> } {
  if (head instanceof LinearHead) return { kind: 'linear', config: { C: head.config.C, labels: head.labels, pair: head.config.pair }, extra: {} };
  if (head instanceof LabelTuningHead) {
    return { kind: 'label', config: { C: head.config.C, labels: head.labels, scale: head.scale, decay: head.config.decay ?? false }, extra: {} };
  }
  if (head instanceof YTuningHead) {
    const r = head.config;
    const config = { C: r.C, L: r.L, d: r.d, H: r.H, N: r.N, ffn: r.ffn, seed: r.seed, lnEps: r.lnEps, labelSeeds: r.seeds !== null, pair: r.pair };
    return { kind: 'ytuning', config, extra: r.seeds ? { 'config.labelSeeds': { shape: [r.L, r.C], data: Float32Array.from(r.seeds) } } : {} };
  }
  if (head instanceof ZeroShotHead) {
    const { C, labels: L, seeds } = head.config;
    return { kind: 'zeroshot', config: { C, labels: L, scale: head.scale }, extra: { 'config.seeds': { shape: [L, C], data: Float32Array.from(seeds) } } };
  }
  if (head instanceof LTuningPrefixHead || head instanceof LTuningPromptHead) {
    const r = head.config;
    const config = { C: r.C, L: r.L, d: r.d, H: r.H, m: r.m, Tl: r.Tl, seed: r.seed, lnEps: r.lnEps };
    const extra: Record<string, F32Tensor> =
      r.kind === 'ltuning-prefix'
        ? { 'config.labelTokens': { shape: [r.L, r.Tl, r.C], data: Float32Array.from(r.labelTokens!) }, 'config.labelMask': { shape: [r.L, r.Tl], data: Float32Array.from(r.labelMask!) } }
        : { 'config.labelSeeds': { shape: [r.L, r.C], data: Float32Array.from(r.seeds!) } };
    return { kind: r.kind, config, extra };
  }
  throw new HeadFileError(`cannot export a head of kind "${head.kind}": exportable kinds are ${EXPORTABLE_KINDS.join(', ')}`);
}

/** Serialise a head (parameters read back from the GPU) and its metadata to one .safetensors file. */
export async function exportHead(head: Head, meta: HeadMeta): Promise<Uint8Array> {
  const { kind, config, extra } = kindAndConfig(head);
  if (meta.labels.length !== head.labels) throw new HeadFileError(`meta.labels has ${meta.labels.length} names but the head has ${head.labels} labels`);
  if (meta.labelTexts.length !== head.labels) throw new HeadFileError(`meta.labelTexts has ${meta.labelTexts.length} texts but the head has ${head.labels} labels`);
  const tensors: Record<string, F32Tensor> = {};
  for (const p of head.params) {
    const data = await p.value.read();
    tensors[`param.${p.name}`] = { shape: [...p.value.shape], data: data.length === p.value.size ? data : data.subarray(0, p.value.size) };
  }
  Object.assign(tensors, extra);
  const metadata: Record<string, string> = {
    format: HEAD_FORMAT,
    version: HEAD_FORMAT_VERSION,
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

function int(c: Config, key: string, what: string, max?: number): number {
  const v = c[key];
  if (!Number.isInteger(v) || (v as number) < 1) throw new HeadFileError(`${what}.${key} must be a positive integer, got ${JSON.stringify(v)}`);
  if (max !== undefined && (v as number) > max) throw new HeadFileError(`${what}.${key} is ${v}, more than a head file may have (at most ${max.toLocaleString('en-US')})`);
  return v as number;
}

/** The capped integers of a config (the caps of IMPORT_LIMITS by key). */
const CAPS: Record<string, number> = { C: IMPORT_LIMITS.width, L: IMPORT_LIMITS.labels, labels: IMPORT_LIMITS.labels, d: IMPORT_LIMITS.d, ffn: IMPORT_LIMITS.ffn, H: IMPORT_LIMITS.H, N: IMPORT_LIMITS.N, m: IMPORT_LIMITS.m, Tl: IMPORT_LIMITS.tokens, tmax: IMPORT_LIMITS.tokens };
const capped = (c: Config, key: string, what: string) => int(c, key, what, CAPS[key]);

function finiteNum(c: Config, key: string, what: string): number {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new HeadFileError(`${what}.${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function bool(c: Config, key: string, what: string): boolean {
  const v = c[key];
  if (typeof v !== 'boolean') throw new HeadFileError(`${what}.${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function strings(v: unknown, n: number, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new HeadFileError(`${what} must be a JSON array of strings`);
  if (v.length !== n) throw new HeadFileError(`${what} has ${v.length} entries but the head has ${n} labels`);
  const long = v.findIndex((s) => s.length > IMPORT_LIMITS.labelChars);
  if (long >= 0) throw new HeadFileError(`${what} entry ${long} is ${v[long].length.toLocaleString('en-US')} characters long (at most ${IMPORT_LIMITS.labelChars.toLocaleString('en-US')})`);
  return v;
}

const short = (h: string) => (h.length > 12 ? `${h.slice(0, 12)}…` : h);

/** The tensors a kind + config must carry, by name, with their shapes: arithmetic only, nothing allocated. */
function expectedTensors(kind: ExportableKind, c: Config): { L: number; C: number; shapes: Map<string, number[]> } {
  const shapes = new Map<string, number[]>();
  const w = `config (${kind})`;
  switch (kind) {
    case 'linear': {
      const C = capped(c, 'C', w);
      const L = capped(c, 'labels', w);
      const D = bool(c, 'pair', w) ? 4 * C : C;
      shapes.set('param.W', [D, L]).set('param.b', [L]);
      return { L, C, shapes };
    }
    case 'label': {
      const C = capped(c, 'C', w);
      const L = capped(c, 'labels', w);
      if (finiteNum(c, 'scale', w) === 0) throw new HeadFileError(`${w}.scale must be non-zero`);
      bool(c, 'decay', w);
      shapes.set('param.S', [L, C]);
      return { L, C, shapes };
    }
    case 'zeroshot': {
      const C = capped(c, 'C', w);
      const L = capped(c, 'labels', w);
      finiteNum(c, 'scale', w);
      shapes.set('config.seeds', [L, C]);
      return { L, C, shapes };
    }
    case 'ytuning': {
      for (const k of ['C', 'L', 'd', 'H', 'N', 'ffn']) capped(c, k, w);
      const r = resolveYTuning(ytuningConfig(c, null));
      if (r.ffn !== int(c, 'ffn', w)) throw new HeadFileError(`${w}.ffn ${c.ffn} is not a multiple the head can rebuild from d ${r.d}`);
      if (c.labelSeeds) shapes.set('config.labelSeeds', [r.L, r.C]);
      for (const s of ytuningParamSpecs({ ...r, seeds: c.labelSeeds ? new Float64Array(0) : null })) shapes.set(`param.${s.name}`, s.shape);
      return { L: r.L, C: r.C, shapes };
    }
    case 'ltuning-prefix':
    case 'ltuning-prompt': {
      // The numbers only (no label inputs yet): the file's own label tensors are checked against these shapes
      // before resolveLTuning copies them.
      const cfg = ltuningConfig(kind, c, null);
      const { C, L, Tl } = cfg as Required<Pick<LTuningConfig, 'C' | 'L' | 'Tl'>>;
      if (cfg.d! % cfg.H! !== 0) throw new HeadFileError(`config does not rebuild a ${kind} head: ${kind}: H (${cfg.H}) must divide d (${cfg.d})`);
      if (kind === 'ltuning-prefix') shapes.set('config.labelTokens', [L, Tl, C]).set('config.labelMask', [L, Tl]);
      else shapes.set('config.labelSeeds', [L, C]);
      const shell: LTuningResolved = { kind, C, L, d: cfg.d!, H: cfg.H!, m: cfg.m!, Tl, labelTokens: null, labelMask: null, seeds: null, seed: 0, lnEps: 0 };
      for (const s of ltuningParamSpecs(shell)) shapes.set(`param.${s.name}`, s.shape);
      return { L, C, shapes };
    }
  }
}

/**
 * An L-Tuning config from the stored JSON plus its label inputs (null: the numbers only, capped, for the shapes;
 * nothing is allocated).
 */
function ltuningConfig(k: LTuningKind, c: Config, labelInputs: Record<string, Float32Array> | null): LTuningConfig {
  const w = `config (${k})`;
  const C = capped(c, 'C', w);
  const L = capped(c, 'L', w);
  const Tl = capped(c, 'Tl', w);
  if (k === 'ltuning-prompt' && Tl !== 1) throw new HeadFileError(`${w}.Tl must be 1 for a prompt head, got ${Tl}`);
  const cfg: LTuningConfig = { C, L, d: capped(c, 'd', w), H: capped(c, 'H', w), m: capped(c, 'm', w), Tl, seed: finiteNum(c, 'seed', w), lnEps: finiteNum(c, 'lnEps', w) };
  if (!labelInputs) return cfg;
  if (k === 'ltuning-prefix') {
    cfg.labelTokens = labelInputs.labelTokens;
    cfg.labelMask = labelInputs.labelMask;
  } else {
    cfg.labelSeeds = labelInputs.labelSeeds;
  }
  return cfg;
}

function ytuningConfig(c: Config, seeds: Float32Array | null): YTuningConfig {
  const w = 'config (ytuning)';
  const d = int(c, 'd', w);
  const cfg: YTuningConfig = { C: int(c, 'C', w), L: int(c, 'L', w), d, H: int(c, 'H', w), N: int(c, 'N', w), ffnMult: int(c, 'ffn', w) / d, seed: finiteNum(c, 'seed', w), lnEps: finiteNum(c, 'lnEps', w) };
  bool(c, 'labelSeeds', w);
  // Files written before pair heads existed have no `pair`: they are single-text heads.
  if (c.pair !== undefined) cfg.pair = bool(c, 'pair', w);
  if (seeds) cfg.labelSeeds = seeds;
  return cfg;
}

/** Parse and validate a head file; builds the head on `e` only when every check passed. */
export function importHead(e: GpuEngine, bytes: Uint8Array, opts: ImportOptions): { head: Head; meta: HeadMeta } {
  const { tensors, metadata: md } = readSafetensors(bytes);
  const format = md.format;
  if (format !== HEAD_FORMAT) throw new HeadFileError(`format is ${JSON.stringify(format ?? null)}, expected "${HEAD_FORMAT}" (not a labeltune head export)`);
  const version = need(md, 'version');
  if (version !== HEAD_FORMAT_VERSION) throw new HeadFileError(`format version ${version} is not supported (this build reads version ${HEAD_FORMAT_VERSION}); re-export the head`);
  const encoder = { name: need(md, 'encoder_name'), hash: need(md, 'encoder_hash') };
  if (encoder.hash !== opts.encoderHash) {
    const loaded = opts.encoderName ?? 'the loaded encoder';
    throw new HeadFileError(
      `this head was trained on ${encoder.name} (hash ${short(encoder.hash)}), the loaded encoder is ${loaded} (${short(opts.encoderHash)}); load ${encoder.name} or retrain`,
    );
  }
  const kind = need(md, 'kind');
  if (!(EXPORTABLE_KINDS as readonly string[]).includes(kind)) throw new HeadFileError(`unknown head kind "${kind}" (known: ${EXPORTABLE_KINDS.join(', ')})`);
  const k = kind as ExportableKind;
  const config = obj(json(md, 'config'), 'metadata "config"');
  let expected: { L: number; C: number; shapes: Map<string, number[]> };
  try {
    expected = expectedTensors(k, config);
  } catch (err) {
    if (err instanceof HeadFileError) throw err;
    throw new HeadFileError(`config does not rebuild a ${k} head: ${(err as Error).message}`);
  }
  if (opts.encoderWidth !== undefined && expected.C !== opts.encoderWidth) {
    throw new HeadFileError(
      `this head reads ${expected.C}-wide encoder features, but ${opts.encoderName ?? 'the loaded encoder'} gives ${opts.encoderWidth}-wide ones (the file's encoder hash matches, so its config is corrupt or forged); re-export the head`,
    );
  }
  const L = expected.L;
  const labels = strings(json(md, 'labels'), L, 'metadata "labels"');
  const labelTexts = strings(json(md, 'label_texts'), L, 'metadata "label_texts"');
  const tok = obj(json(md, 'tokenizer'), 'metadata "tokenizer"');
  const tmax = capped(tok, 'tmax', 'tokenizer');
  if (!['none', 'side-by-side', 'pair-input'].includes(tok.pair as string)) throw new HeadFileError(`tokenizer.pair must be "none", "side-by-side" or "pair-input", got ${JSON.stringify(tok.pair)}`);
  const training = obj(json(md, 'training'), 'metadata "training"');
  const metrics = obj(json(md, 'metrics'), 'metadata "metrics"') as HeadMeta['metrics'];
  const createdAt = need(md, 'created_at');
  // The exact tensor set, shapes and finite values.
  for (const name of Object.keys(tensors)) if (!expected.shapes.has(name)) throw new HeadFileError(`unexpected tensor "${name}" for a ${k} head`);
  for (const [name, shape] of expected.shapes) {
    const t = tensors[name];
    if (!t) throw new HeadFileError(`tensor "${name}" is missing`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) throw new HeadFileError(`tensor "${name}" has shape [${t.shape}], the config needs [${shape}]`);
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new HeadFileError(`tensor "${name}" holds a non-finite value (${t.data[bad]}) at index ${bad}`);
  }
  const p = (name: string) => tensors[`param.${name}`].data;
  let head: Head;
  switch (k) {
    case 'linear':
      head = new LinearHead(e, { C: config.C as number, labels: L, pair: config.pair as boolean, W: p('W'), b: p('b') });
      break;
    case 'label':
      head = new LabelTuningHead(e, { C: config.C as number, labels: L, seeds: p('S'), scale: config.scale as number, decay: config.decay as boolean });
      break;
    case 'zeroshot':
      head = new ZeroShotHead(e, { C: config.C as number, labels: L, seeds: tensors['config.seeds'].data, scale: config.scale as number });
      break;
    case 'ytuning': {
      const init: Record<string, Float32Array> = {};
      for (const name of expected.shapes.keys()) if (name.startsWith('param.')) init[name.slice(6)] = tensors[name].data;
      head = new YTuningHead(e, ytuningConfig(config, config.labelSeeds ? tensors['config.labelSeeds'].data : null), init);
      break;
    }
    case 'ltuning-prefix':
    case 'ltuning-prompt': {
      const init: Record<string, Float32Array> = {};
      const labelInputs: Record<string, Float32Array> = {};
      for (const name of expected.shapes.keys()) {
        if (name.startsWith('param.')) init[name.slice(6)] = tensors[name].data;
        else labelInputs[name.slice(7)] = tensors[name].data;
      }
      if (k === 'ltuning-prefix') {
        const mask = labelInputs.labelMask;
        const bad = mask.findIndex((x) => x !== 0 && x !== 1);
        if (bad >= 0) throw new HeadFileError(`tensor "config.labelMask" must hold 0 or 1, got ${mask[bad]} at index ${bad}`);
      }
      try {
        const cfg = ltuningConfig(k, config, labelInputs);
        head = k === 'ltuning-prefix' ? new LTuningPrefixHead(e, cfg, init) : new LTuningPromptHead(e, cfg, init);
      } catch (err) {
        if (err instanceof HeadFileError) throw err;
        throw new HeadFileError(`the stored ${k} head does not rebuild: ${(err as Error).message}`);
      }
      break;
    }
  }
  return { head, meta: { labels, labelTexts, encoder, tokenizer: { tmax, pair: tok.pair as PairHandling }, training, metrics, createdAt } };
}
