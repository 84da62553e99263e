// File codec and ONNX graph of the label-attention heads, version 2 (../label-attn.ts); ./ltuning.ts picks them
// for configs with `version: 2` (version 1 lives there). Design decision: the file stores the RAW label inputs
// (config.labelTokens + config.labelMask, or config.labelSeeds) and the graph normalises them with the same
// function as the head (unitRms), so the exported graph computes exactly what the GPU head does.
import { attention, batchDim, broadcastBatch, gelu, keyMaskBias, layerNorm, linear, onesColumn, pairFeatures, reduceSum } from '../../onnx/blocks';
import { bool, cInt, cNum, finiteNum, HeadFileError, HeadOnnxError, int, paramInit, type Config, type HeadKindEntry } from '../kind-entry';
import { LabelAttnHead } from '../label-attn';
import { LABEL_ATTN_VERSION, labelAttnParamSpecs, resolveLabelAttn, unitRms, type LabelAttnConfig, type LabelAttnKind } from '../label-attn-config';
import type { F32Tensor } from '../safetensors';

export function saveV2(head: LabelAttnHead): { config: Config; extra: Record<string, F32Tensor> } {
  const r = head.config;
  const config = { version: LABEL_ATTN_VERSION, C: r.C, L: r.L, d: r.d, H: r.H, m: r.m, ffn: r.ffn, Tl: r.Tl, pair: r.pair, seed: r.seed, lnEps: r.lnEps };
  const extra: Record<string, F32Tensor> =
    r.kind === 'label-attn-prefix'
      ? { 'config.labelTokens': { shape: [r.L, r.Tl, r.C], data: Float32Array.from(r.labelTokens!) }, 'config.labelMask': { shape: [r.L, r.Tl], data: Float32Array.from(r.labelMask!) } }
      : { 'config.labelSeeds': { shape: [r.L, r.C], data: Float32Array.from(r.seeds!) } };
  return { config, extra };
}

/** The numbers of a stored v2 config (no label inputs: nothing is allocated from an untrusted config). */
type Numbers = Required<Pick<LabelAttnConfig, 'C' | 'L' | 'd' | 'H' | 'm' | 'ffnMult' | 'Tl' | 'pair' | 'seed' | 'lnEps'>> & { ffn: number };

function numbers(kind: LabelAttnKind, c: Config): Numbers {
  const w = `config (${kind})`;
  const d = int(c, 'd', w);
  const ffn = int(c, 'ffn', w);
  if (ffn % d !== 0) throw new HeadFileError(`${w}.ffn ${ffn} is not a multiple of d ${d}`);
  const Tl = int(c, 'Tl', w);
  if (kind === 'label-attn-prompt' && Tl !== 1) throw new HeadFileError(`${w}.Tl must be 1 for a prompt head, got ${Tl}`);
  const m = int(c, 'm', w);
  if (kind === 'label-attn-prompt' && m !== 1) throw new HeadFileError(`${w}.m must be 1 for a prompt head, got ${m}`);
  return { C: int(c, 'C', w), L: int(c, 'L', w), d, H: int(c, 'H', w), m, ffn, ffnMult: ffn / d, Tl, pair: bool(c, 'pair', w), seed: finiteNum(c, 'seed', w), lnEps: finiteNum(c, 'lnEps', w) };
}

export function expectV2(kind: LabelAttnKind, c: Config): { L: number; shapes: Map<string, number[]> } {
  const n = numbers(kind, c);
  const { C, L, Tl } = n;
  // a shell resolve for the shapes: placeholder label inputs of the right length are never allocated at file size
  const shapes = new Map<string, number[]>();
  if (kind === 'label-attn-prefix') shapes.set('config.labelTokens', [L, Tl, C]).set('config.labelMask', [L, Tl]);
  else shapes.set('config.labelSeeds', [L, C]);
  const { d, H, m } = n;
  if (d % H !== 0) throw new HeadFileError(`config (${kind}): H (${H}) must divide d (${d})`);
  const shell = { kind, C, L, d, H, m, ffn: n.ffn, Tl, Lq: L * m, labelTokens: null, labelMask: null, seeds: null, Y: null, S: null, pair: n.pair, seed: 0, lnEps: 0 };
  for (const s of labelAttnParamSpecs(shell)) shapes.set(`param.${s.name}`, s.shape);
  return { L, shapes };
}

export function loadV2(kind: LabelAttnKind, e: Parameters<HeadKindEntry['build']>[0], c: Config, t: Record<string, F32Tensor>): LabelAttnHead {
  const { ffn: _ffn, ...nums } = numbers(kind, c);
  void _ffn;
  const cfg: LabelAttnConfig = nums;
  if (kind === 'label-attn-prefix') {
    const mask = t['config.labelMask'].data;
    const bad = mask.findIndex((x) => x !== 0 && x !== 1);
    if (bad >= 0) throw new HeadFileError(`tensor "config.labelMask" must hold 0 or 1, got ${mask[bad]} at index ${bad}`);
    cfg.labelTokens = t['config.labelTokens'].data;
    cfg.labelMask = mask;
  } else {
    cfg.labelSeeds = t['config.labelSeeds'].data;
  }
  try {
    return new LabelAttnHead(e, kind, cfg, paramInit(t));
  } catch (err) {
    throw new HeadFileError(`the stored ${kind} head (version ${LABEL_ATTN_VERSION}) does not rebuild: ${(err as Error).message}`);
  }
}

/** Version 2, exactly as reference/heads/label-attn.ts. */
export const onnxV2: HeadKindEntry['onnx'] = (g, P, src, io) => {
  const c = src.config;
  const k = src.kind as LabelAttnKind;
  const [C, L, d, H, m, ffn, Tl] = ['C', 'L', 'd', 'H', 'm', 'ffn', 'Tl'].map((key) => cInt(c, key, k));
  if (d % H !== 0) throw new HeadOnnxError(`config (${k}): H (${H}) must divide d (${d})`);
  const eps = cNum(c, 'lnEps', k);
  if (typeof c.pair !== 'boolean') throw new HeadOnnxError(`config (${k}).pair must be true or false, got ${JSON.stringify(c.pair)}`);
  const pair = c.pair;
  if (pair && !io.pooledB) throw new HeadOnnxError(`a pair ${k} head needs pairs encoded side by side, but tokenizer.pair is "${src.meta.tokenizer.pair}"`);
  const p = (name: string, shape: number[]) => P.get(`param.${name}`, shape);
  const B = batchDim(g, io.pooled);
  const Lq = L * m;
  // label query rows X0 (Lq, d) from the unit-rms label inputs (normalised here exactly as the head does)
  let X0: string;
  if (k === 'label-attn-prefix') {
    const cfg = { C, L, d, H, m, ffnMult: ffn / d, Tl, pair, labelTokens: P.raw('config.labelTokens', [L, Tl, C]), labelMask: P.raw('config.labelMask', [L, Tl]) };
    const r = resolveLabelAttn(k, cfg);
    const Y = g.initializer('labelTokensUnit', Float32Array.from(r.Y!), [L, Tl, C]);
    const ymask = g.initializer('labelMask', Float32Array.from(r.labelMask!), [L, Tl]);
    const waT = g.node('Transpose', [p('wa', [1, C])], { perm: [1, 0] }); // (C, 1)
    const s = g.node('Reshape', [g.node('MatMul', [Y, waT]), g.constInt64([L, Tl])]);
    const keep = g.node('GreaterOrEqual', [ymask, g.constFloat([0.5], [])]);
    const a = g.node('Softmax', [g.node('Add', [s, g.node('Where', [keep, g.constFloat([0], []), g.constFloat([-1e9], [])])])], { axis: -1 });
    const pl = g.node('Reshape', [g.node('MatMul', [g.node('Unsqueeze', [a, g.constInt64([1])]), Y]), g.constInt64([L, C])]);
    X0 = g.node('Reshape', [linear(g, pl, p('Wz', [C, m * d]), p('bz', [m * d])), g.constInt64([Lq, d])]);
  } else {
    const S = unitRms(Float64Array.from(P.raw('config.labelSeeds', [L, C])), C);
    X0 = linear(g, g.initializer('labelSeedsUnit', Float32Array.from(S), [L, C]), p('Wg', [C, d]), p('bg', [d]));
  }
  const q = broadcastBatch(g, linear(g, layerNorm(g, X0, p('ln1g', [d]), p('ln1b', [d]), eps), p('Wq', [d, d]), p('bq', [d])), B, Lq, d);
  // memory (B, T+1, d): token rows, then the pooled token (from f, or for pairs from g = [u, v, |u-v|, u*v])
  const tok = layerNorm(g, linear(g, io.tokens, p('Wf', [C, d]), p('bf', [d])), p('mg', [d]), p('mb', [d]), eps);
  const gx = pair ? pairFeatures(g, io.pooled, io.pooledB!) : io.pooled;
  const K = pair ? 4 * C : C;
  const pool = layerNorm(g, linear(g, gx, p('Wp', [K, d]), p('bp', [d])), p('pg', [d]), p('pb', [d]), eps);
  const M = g.node('Concat', [tok, g.node('Unsqueeze', [pool, g.constInt64([1])])], { axis: 1 });
  const bias = keyMaskBias(g, g.node('Concat', [io.mask, onesColumn(g, B)], { axis: 1 }));
  const att = attention(g, q, linear(g, M, p('Wk', [d, d]), null), linear(g, M, p('Wv', [d, d]), p('bv', [d])), bias, { H, dh: d / H });
  const X1 = g.node('Add', [broadcastBatch(g, X0, B, Lq, d), linear(g, att, p('Wo', [d, d]), p('bo', [d]))]);
  const a2 = layerNorm(g, X1, p('ln2g', [d]), p('ln2b', [d]), eps);
  const X2 = g.node('Add', [X1, linear(g, gelu(g, linear(g, a2, p('W1', [d, ffn]), p('b1', [ffn]))), p('W2', [ffn, d]), p('b2', [d]))]);
  const h = m === 1 ? X2 : g.node('Mul', [reduceSum(g, g.node('Reshape', [X2, g.constInt64([0, L, m, d])]), 2, false), g.constFloat([1 / m], [])]);
  const fin = layerNorm(g, h, p('lnfg', [d]), null, eps);
  const score = g.node('Squeeze', [g.node('MatMul', [fin, p('u', [d, 1])]), g.constInt64([2])]); // (B, L)
  let logits = g.node('Add', [score, p('c', [L])]);
  if (pair) logits = g.node('Add', [logits, g.node('MatMul', [gx, p('Wsc', [K, L])])]);
  return { logits, L, C };
};
