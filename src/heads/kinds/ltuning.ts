// Registry entries of the two label-attention heads over CACHED features, inspired by L-Tuning but a different
// method: the label never changes the encoder's computation on the text (the published L-Tuning is
// ../ltuning-encoder.ts, kinds `ltuning-prefix` / `ltuning-prompt`). Until issue 10 they carried the published names;
// files saved under those names load as these kinds (../serialize.ts). Design decision: the config is VERSIONED.
// A new head is version 2 (../label-attn.ts: unit-rms label inputs, unit-scale maps, output projection + FFN, pair
// token, per-label bias; config.version = 2); a file without `version` is version 1 and rebuilds the version-1
// architecture it was trained with (../ltuning-prefix.ts, ../ltuning-prompt.ts). Their fixed label inputs are
// stored RAW as config tensors (prefix: label token states + mask; prompt: pooled seeds), so an imported head
// needs no encoder pass over the label texts. Both train on match / no-match pairs.
import { attention, batchDim, broadcastBatch, keyMaskBias, layerNorm, linear, reduceSum } from '../../onnx/blocks';
import { cInt, cNum, finiteNum, HeadFileError, HeadOnnxError, int, paramInit, seedMatrix, type Config, type HeadContext, type HeadKindEntry } from '../kind-entry';
import { ltuningParamSpecs, type LTuningConfig, type LTuningKind, type LTuningResolved } from '../ltuning-config';
import { LTuningHeadBase, LTuningPrefixHead } from '../ltuning-prefix';
import { LTuningPromptHead } from '../ltuning-prompt';
import type { F32Tensor } from '../safetensors';
import { LabelAttnHead } from '../label-attn';
import { LABEL_ATTN_VERSION } from '../label-attn-config';
import { expectV2, loadV2, onnxV2, saveV2 } from './label-attn-v2';

/** Label token states, zero-padded to the longest label text, with their mask. */
function labelTokens(ctx: HeadContext): { Tl: number; labelTokens: Float32Array; labelMask: Float32Array } {
  const Tl = Math.max(1, ...ctx.labelFeatures.map((f) => f.length));
  const tokens = new Float32Array(ctx.labels * Tl * ctx.C);
  const mask = new Float32Array(ctx.labels * Tl);
  ctx.labelFeatures.forEach((f, l) => {
    tokens.set(f.tokens.subarray(0, f.length * ctx.C), l * Tl * ctx.C);
    mask.fill(1, l * Tl, l * Tl + f.length);
  });
  return { Tl, labelTokens: tokens, labelMask: mask };
}

/**
 * An L-Tuning config from the stored JSON plus its label inputs (null: the numbers only, for the shapes — nothing
 * is allocated from an untrusted config; the file's own label tensors are checked against the shapes first).
 */
function ltuningConfig(k: LTuningKind, c: Config, labelInputs: Record<string, Float32Array> | null): LTuningConfig {
  const w = `config (${k})`;
  const C = int(c, 'C', w);
  const L = int(c, 'L', w);
  const Tl = int(c, 'Tl', w);
  if (k === 'label-attn-prompt' && Tl !== 1) throw new HeadFileError(`${w}.Tl must be 1 for a prompt head, got ${Tl}`);
  const cfg: LTuningConfig = { C, L, d: int(c, 'd', w), H: int(c, 'H', w), m: int(c, 'm', w), Tl, seed: finiteNum(c, 'seed', w), lnEps: finiteNum(c, 'lnEps', w) };
  if (!labelInputs) return cfg;
  if (k === 'label-attn-prefix') {
    cfg.labelTokens = labelInputs.labelTokens;
    cfg.labelMask = labelInputs.labelMask;
  } else {
    cfg.labelSeeds = labelInputs.labelSeeds;
  }
  return cfg;
}

function saveV1(head: LTuningHeadBase): { config: Config; extra: Record<string, F32Tensor> } {
  const r = head.config;
  const config = { C: r.C, L: r.L, d: r.d, H: r.H, m: r.m, Tl: r.Tl, seed: r.seed, lnEps: r.lnEps };
  const extra: Record<string, F32Tensor> =
    r.kind === 'label-attn-prefix'
      ? { 'config.labelTokens': { shape: [r.L, r.Tl, r.C], data: Float32Array.from(r.labelTokens!) }, 'config.labelMask': { shape: [r.L, r.Tl], data: Float32Array.from(r.labelMask!) } }
      : { 'config.labelSeeds': { shape: [r.L, r.C], data: Float32Array.from(r.seeds!) } };
  return { config, extra };
}

function expectV1(kind: LTuningKind, c: Config): { L: number; shapes: Map<string, number[]> } {
  // Shapes by arithmetic only: the label inputs are the file's own tensors, checked against these before load().
  const cfg = ltuningConfig(kind, c, null);
  const { C, L, Tl } = cfg as Required<Pick<LTuningConfig, 'C' | 'L' | 'Tl'>>;
  const d = cfg.d!;
  const H = cfg.H!;
  if (d % H !== 0) throw new Error(`${kind}: H (${H}) must divide d (${d})`);
  const shapes = new Map<string, number[]>();
  if (kind === 'label-attn-prefix') shapes.set('config.labelTokens', [L, Tl, C]).set('config.labelMask', [L, Tl]);
  else shapes.set('config.labelSeeds', [L, C]);
  const shell: LTuningResolved = { kind, C, L, d, H, m: cfg.m!, Tl, labelTokens: null, labelMask: null, seeds: null, seed: 0, lnEps: 0 };
  for (const s of ltuningParamSpecs(shell)) shapes.set(`param.${s.name}`, s.shape);
  return { L, shapes };
}

function loadV1(kind: LTuningKind, e: Parameters<HeadKindEntry['build']>[0], c: Config, t: Record<string, F32Tensor>) {
  const labelInputs: Record<string, Float32Array> = {};
  for (const name of Object.keys(t)) if (name.startsWith('config.')) labelInputs[name.slice(7)] = t[name].data;
  if (kind === 'label-attn-prefix') {
    const mask = labelInputs.labelMask;
    const bad = mask.findIndex((x) => x !== 0 && x !== 1);
    if (bad >= 0) throw new HeadFileError(`tensor "config.labelMask" must hold 0 or 1, got ${mask[bad]} at index ${bad}`);
  }
  try {
    const cfg = ltuningConfig(kind, c, labelInputs);
    return kind === 'label-attn-prefix' ? new LTuningPrefixHead(e, cfg, paramInit(t)) : new LTuningPromptHead(e, cfg, paramInit(t));
  } catch (err) {
    if (err instanceof HeadFileError) throw err;
    throw new HeadFileError(`the stored ${kind} head does not rebuild: ${(err as Error).message}`);
  }
}

/** Version 1, exactly as reference/heads/ltuning-prefix.ts and ltuning-prompt.ts. */
const onnxV1: HeadKindEntry['onnx'] = (g, P, src, io) => {
  const c = src.config;
  const k = src.kind;
  const [C, L, d, H, m, Tl] = ['C', 'L', 'd', 'H', 'm', 'Tl'].map((key) => cInt(c, key, k));
  if (d % H !== 0) throw new HeadOnnxError(`config (${k}): H (${H}) must divide d (${d})`);
  const eps = cNum(c, 'lnEps', k);
  const p = (name: string, shape: number[]) => P.get(`param.${name}`, shape);
  const B = batchDim(g, io.pooled);
  const mha = { H, dh: d / H };
  const Wf = p('Wf', [C, d]);
  const bf = p('bf', [d]);
  const M = layerNorm(g, linear(g, io.tokens, Wf, bf), p('mg', [d]), p('mb', [d]), eps); // (B, T, d)
  const bias = keyMaskBias(g, io.mask);
  let h: string; // (B, L, d)
  if (k === 'label-attn-prefix') {
    // label pooling: a = softmax over real label tokens of Y_l wa (scale 1), p_l = sum_i a_i Y_l[i]  (L, C)
    const Y = P.get('config.labelTokens', [L, Tl, C]);
    const ymask = P.get('config.labelMask', [L, Tl]);
    const waT = g.node('Transpose', [p('wa', [1, C])], { perm: [1, 0] }); // (C, 1)
    const s = g.node('Reshape', [g.node('MatMul', [Y, waT]), g.constInt64([L, Tl])]);
    const keep = g.node('GreaterOrEqual', [ymask, g.constFloat([0.5], [])]);
    const a = g.node('Softmax', [g.node('Add', [s, g.node('Where', [keep, g.constFloat([0], []), g.constFloat([-1e9], [])])])], { axis: -1 });
    const pl = g.node('Reshape', [g.node('MatMul', [g.node('Unsqueeze', [a, g.constInt64([1])]), Y]), g.constInt64([L, C])]);
    const Pq = g.node('Reshape', [linear(g, pl, p('Wz', [C, m * d]), p('bz', [m * d])), g.constInt64([L * m, d])]);
    const q = broadcastBatch(g, Pq, B, L * m, d); // (B, L*m, d)
    const att = attention(g, q, linear(g, M, p('Wk', [d, d]), null), linear(g, M, p('Wv', [d, d]), null), bias, mha);
    const hq = g.node('Reshape', [g.node('Add', [q, att]), g.constInt64([0, L, m, d])]);
    h = g.node('Mul', [reduceSum(g, hq, 2, false), g.constFloat([1 / m], [])]);
  } else {
    if (Tl !== 1) throw new HeadOnnxError(`config (label-attn-prompt).Tl must be 1, got ${Tl}`);
    // prompts x = (s G) Wf + bf (L, d); each attends over its text's tokens; h = x + MHA(...) Wo + bo
    const x = linear(g, g.node('MatMul', [P.get('config.labelSeeds', [L, C]), p('G', [C, C])]), Wf, bf);
    const q = broadcastBatch(g, linear(g, x, p('Wq', [d, d]), p('bq', [d])), B, L, d);
    const att = attention(g, q, linear(g, M, p('Wk', [d, d]), null), linear(g, M, p('Wv', [d, d]), p('bv', [d])), bias, mha);
    h = g.node('Add', [x, linear(g, att, p('Wo', [d, d]), p('bo', [d]))]);
  }
  const fin = layerNorm(g, h, p('lnfg', [d]), null, eps);
  const score = g.node('Squeeze', [g.node('MatMul', [fin, p('u', [d, 1])]), g.constInt64([2])]); // (B, L)
  return { logits: g.node('Add', [score, p('c', [1])]), L, C };
};

const matchDefaults = { lr: 1e-3, objective: 'match' } as const;

/** The config version of a stored head: 1 when absent, else it must be one this build reads. */
function version(kind: LTuningKind, c: Config, E: new (m: string) => Error = HeadFileError): 1 | 2 {
  if (c.version === undefined) return 1;
  if (c.version === LABEL_ATTN_VERSION) return 2;
  throw new E(`config (${kind}).version is ${JSON.stringify(c.version)}; this build reads version 1 (no "version") and ${LABEL_ATTN_VERSION} — re-export the head with this build or a newer one`);
}

function entry<K extends LTuningKind>(kind: K, title: string, blurb: string): HeadKindEntry<K> {
  return {
    kind,
    title,
    blurb,
    input: 'features',
    trainDefaults: matchDefaults,
    build: (e, ctx) => {
      const inputs = kind === 'label-attn-prefix' ? labelTokens(ctx) : { labelSeeds: seedMatrix(ctx) };
      return new LabelAttnHead(e, kind, { C: ctx.C, L: ctx.labels, ...inputs, seed: ctx.seed, pair: ctx.pair });
    },
    codec: {
      save: (head) => (head instanceof LabelAttnHead ? saveV2(head) : saveV1(head as LTuningHeadBase)),
      expect: (c) => (version(kind, c) === 2 ? expectV2(kind, c) : expectV1(kind, c)),
      load: (e, c, t) => (version(kind, c) === 2 ? loadV2(kind, e, c, t) : loadV1(kind, e, c, t)),
    },
    onnx: (g, P, src, io) => (version(kind, src.config, HeadOnnxError) === 2 ? onnxV2(g, P, src, io) : onnxV1(g, P, src, io)),
  };
}

export const labelAttnPrefixEntry = entry(
  'label-attn-prefix',
  'Label attention, prefix (cached features)',
  'L-Tuning-inspired: prefixes from each label\'s token states attend over cached text features; match / no match. Fast; not the published method.',
);

export const labelAttnPromptEntry = entry(
  'label-attn-prompt',
  'Label attention, prompt (cached features)',
  'L-Tuning-inspired: a map of each label seed attends over cached text features; match objective. Fast; not the published method.',
);
