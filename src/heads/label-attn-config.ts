// Label attention over CACHED features, version 2 (kinds `label-attn-prefix` / `label-attn-prompt`, issue 10 item
// 5): configuration, parameter list and seeded init shared by the GPU head (./label-attn.ts) and the float64
// reference (reference/heads/label-attn.ts). Version 1 (./ltuning-config.ts) stays for files saved before it.
// Design decision: every input to a trainable map is at unit scale and every map starts unit-scale, so no label
// query is one-hot or vanishing at init (what made version 1 a constant predictor): label token states and label
// seeds are normalised to unit rms per row (constants, computed here), projections ~ N(0, 1/fan_in). The label
// queries (prefix: m rows per label from the attention-pooled label states through Z; prompt: one row per label,
// G of the label seed) run one pre-LN cross-attention block over the memory [token rows; pooled token] with an
// output projection, then a pre-LN FFN, both residual; prefix rows of a label are averaged; score
// <LN_f(h), u> + c[l] (a per-label bias carries the label prior). Pairs encoded side by side take the pooled
// token from g = [u, v, |u-v|, u*v] and a zero-initialised shortcut g Wsc, as Y-Tuning.
import { seededNormals } from './init';

export type LabelAttnKind = 'label-attn-prefix' | 'label-attn-prompt';

/** The config version a v2 head writes into its file (absent = version 1, ./ltuning-config.ts). */
export const LABEL_ATTN_VERSION = 2;

export interface LabelAttnConfig {
  C: number;
  L: number;
  /** Head width (default 64); attention heads H (default 4) must divide it. */
  d?: number;
  H?: number;
  /** Prefix rows per label (prefix only; default 4). */
  m?: number;
  /** FFN width multiplier (default 4). */
  ffnMult?: number;
  /** Padded label-text length and (L, Tl, C) label token states + (L, Tl) mask (prefix), raw (normalised here). */
  Tl?: number;
  labelTokens?: ArrayLike<number> | null;
  labelMask?: ArrayLike<number> | null;
  /** (L, C) pooled label-text vectors (prompt), raw. */
  labelSeeds?: ArrayLike<number> | null;
  /** Pairs encoded side by side: batches carry pooledB (default false). */
  pair?: boolean;
  seed?: number;
  lnEps?: number;
}

export interface LabelAttnResolved {
  kind: LabelAttnKind;
  C: number;
  L: number;
  d: number;
  H: number;
  m: number;
  ffn: number;
  Tl: number;
  /** Label query rows: L*m (prefix) or L (prompt). */
  Lq: number;
  /** The stored (raw) label inputs. */
  labelTokens: Float64Array | null; // (L, Tl, C)
  labelMask: Float64Array | null; // (L, Tl)
  seeds: Float64Array | null; // (L, C)
  /** Unit-rms copies the head computes with (padding rows stay 0). */
  Y: Float64Array | null; // (L, Tl, C)
  S: Float64Array | null; // (L, C)
  pair: boolean;
  seed: number;
  lnEps: number;
}

const f32 = (x: ArrayLike<number>) => Float64Array.from(x, (v) => Math.fround(v));

/** Each row of `x` (rows of width C) scaled to rms 1; an all-zero row stays 0. Rounded to float32. */
export function unitRms(x: Float64Array, C: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / C; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += x[r * C + c] ** 2;
    const k = s > 0 ? 1 / Math.sqrt(s / C) : 0;
    for (let c = 0; c < C; c++) y[r * C + c] = Math.fround(x[r * C + c] * k);
  }
  return y;
}

export function resolveLabelAttn(kind: LabelAttnKind, cfg: LabelAttnConfig): LabelAttnResolved {
  const d = cfg.d ?? 64;
  const H = cfg.H ?? 4;
  const m = kind === 'label-attn-prefix' ? (cfg.m ?? 4) : 1;
  const ffn = d * (cfg.ffnMult ?? 4);
  const Tl = kind === 'label-attn-prefix' ? (cfg.Tl ?? 0) : 1;
  for (const [k, v] of [['C', cfg.C], ['L', cfg.L], ['d', d], ['H', H], ['m', m], ['ffn', ffn], ['Tl', Tl]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${kind}: ${k} must be a positive integer, got ${v}`);
  }
  if (d % H !== 0) throw new Error(`${kind}: H (${H}) must divide d (${d})`);
  const pair = cfg.pair ?? false;
  if (typeof pair !== 'boolean') throw new Error(`${kind}: pair must be true or false, got ${String(pair)}`);
  const { C, L } = cfg;
  let labelTokens: Float64Array | null = null;
  let labelMask: Float64Array | null = null;
  let seeds: Float64Array | null = null;
  if (kind === 'label-attn-prefix') {
    if (!cfg.labelTokens || cfg.labelTokens.length !== L * Tl * C) {
      throw new Error(`${kind}: labelTokens has ${cfg.labelTokens?.length ?? 0} values, expected (L, Tl, C) = (${L}, ${Tl}, ${C})`);
    }
    if (!cfg.labelMask || cfg.labelMask.length !== L * Tl) {
      throw new Error(`${kind}: labelMask has ${cfg.labelMask?.length ?? 0} values, expected (L, Tl) = (${L}, ${Tl})`);
    }
    labelTokens = f32(cfg.labelTokens);
    labelMask = f32(cfg.labelMask);
    for (let l = 0; l < L; l++) {
      if (!labelMask.subarray(l * Tl, (l + 1) * Tl).some((x) => x >= 0.5)) throw new Error(`${kind}: label ${l} has no unmasked label token`);
    }
  } else {
    if (!cfg.labelSeeds || cfg.labelSeeds.length !== L * C) {
      throw new Error(`${kind}: labelSeeds has ${cfg.labelSeeds?.length ?? 0} values, expected (L, C) = (${L}, ${C})`);
    }
    seeds = f32(cfg.labelSeeds);
  }
  let Y: Float64Array | null = null;
  if (labelTokens) {
    Y = unitRms(labelTokens, C);
    for (let i = 0; i < L * Tl; i++) if (labelMask![i] < 0.5) Y.fill(0, i * C, (i + 1) * C); // padding rows: 0
  }
  const S = seeds ? unitRms(seeds, C) : null;
  const Lq = L * m;
  return { kind, C, L, d, H, m, ffn, Tl, Lq, labelTokens, labelMask, seeds, Y, S, pair, seed: cfg.seed ?? 0, lnEps: cfg.lnEps ?? 1e-5 };
}

export interface LabelAttnParamSpec {
  name: string;
  shape: number[];
  decay: boolean;
  init: { std: number } | { value: number };
}

/** Parameters in a fixed order (the seeded init depends on it; the pair shortcut comes last). */
export function labelAttnParamSpecs(r: LabelAttnResolved): LabelAttnParamSpec[] {
  const { C, L, d, m, ffn } = r;
  const w = (name: string, K: number, M: number): LabelAttnParamSpec => ({ name, shape: [K, M], decay: true, init: { std: 1 / Math.sqrt(K) } });
  const z = (name: string, n: number): LabelAttnParamSpec => ({ name, shape: [n], decay: false, init: { value: 0 } });
  const one = (name: string, n: number): LabelAttnParamSpec => ({ name, shape: [n], decay: false, init: { value: 1 } });
  const p: LabelAttnParamSpec[] = [];
  if (r.kind === 'label-attn-prefix') {
    // pooling scores Y_l wa (std ~1 on unit-rms rows); Z: pooled state -> m prefix rows of width d
    p.push({ name: 'wa', shape: [1, C], decay: false, init: { std: 1 / Math.sqrt(C) } });
    p.push(w('Wz', C, m * d), z('bz', m * d));
  } else {
    p.push(w('Wg', C, d), z('bg', d)); // G: label seed -> prompt row
  }
  p.push(w('Wf', C, d), z('bf', d), one('mg', d), z('mb', d));
  p.push(w('Wp', r.pair ? 4 * C : C, d), z('bp', d), one('pg', d), z('pb', d));
  // cross-attention (pre-LN; keys without bias: softmax ignores a shift shared by every key)
  p.push(one('ln1g', d), z('ln1b', d), w('Wq', d, d), z('bq', d), w('Wk', d, d), w('Wv', d, d), z('bv', d), w('Wo', d, d), z('bo', d));
  p.push(one('ln2g', d), z('ln2b', d), w('W1', d, ffn), z('b1', ffn), w('W2', ffn, d), z('b2', d));
  p.push(one('lnfg', d));
  p.push(w('u', d, 1), z('c', L));
  if (r.pair) p.push({ name: 'Wsc', shape: [4 * C, L], decay: true, init: { value: 0 } });
  return p;
}

export function labelAttnInit(r: LabelAttnResolved): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  labelAttnParamSpecs(r).forEach((spec, i) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    out[spec.name] = 'std' in spec.init ? seededNormals(n, (r.seed * 1000003 + 7919 * (i + 1)) >>> 0, spec.init.std) : new Float64Array(n).fill(spec.init.value);
  });
  return out;
}
