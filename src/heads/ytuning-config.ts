// Y-Tuning head (DESIGN.md §1): configuration, the parameter list (names, shapes, weight decay) and the seeded
// initialisation, shared by the GPU head (src/heads/ytuning.ts) and the float64 reference
// (reference/heads/ytuning.ts). Design decision: label queries at unit scale — W_s ~ N(0,1) and E ~ N(0, 0.02^2)
// with label seeds, E ~ N(0,1) without (then there is no W_s/b_s at all); every other weight ~ N(0, 1/fan_in),
// biases and LN shifts 0, LN scales 1, c = 0. Dropout (default 0.1, training forwards only) sits where PyTorch's
// nn.TransformerDecoderLayer puts it, minus the attention probabilities: on each sublayer's output before its
// residual add and on the FFN activation — 4 sites per layer, masks from (seed, step, 4 * layer + site), see
// ytuningDropout. Pair heads (`pair: true`, pairs encoded side by side) take
// g = [u, v, |u-v|, u*v] (4C): Wp becomes (4C, d) and a zero-initialised shortcut Wsc (4C, L) is appended last,
// so a single-text head's parameter list and seeded values are exactly those of a head without the flag.
import { seededNormals } from './init';

export interface YTuningConfig {
  /** Encoder width. */
  C: number;
  /** Number of labels. */
  L: number;
  /** Head width (default 64). */
  d?: number;
  /** Attention heads (default 4); must divide d. */
  H?: number;
  /** Decoder layers (default 1). */
  N?: number;
  /** FFN width multiplier (default 4). */
  ffnMult?: number;
  /** Dropout probability in training forwards (default 0.1; 0 turns it off). */
  dropout?: number;
  /** (L, C) pooled label-text vectors, or null/absent for random label queries. */
  labelSeeds?: ArrayLike<number> | null;
  /** Initialisation seed (default 0). */
  seed?: number;
  /** LayerNorm epsilon (default 1e-5). */
  lnEps?: number;
  /**
   * Pairs encoded side by side (default false): every batch must then carry pooledB, the memory's pooled token is
   * LN_p(g Wp + bp) with g = [u, v, |u-v|, u*v] (B, 4C), and a linear shortcut adds g Wsc to the scores.
   */
  pair?: boolean;
}

export interface YTuningResolved {
  C: number;
  L: number;
  d: number;
  H: number;
  N: number;
  ffn: number;
  seeds: Float64Array | null;
  seed: number;
  lnEps: number;
  pair: boolean;
  dropout: number;
}

export function resolveYTuning(cfg: YTuningConfig): YTuningResolved {
  const d = cfg.d ?? 64;
  const H = cfg.H ?? 4;
  const N = cfg.N ?? 1;
  const ffn = d * (cfg.ffnMult ?? 4);
  for (const [k, v] of [['C', cfg.C], ['L', cfg.L], ['d', d], ['H', H], ['N', N], ['ffn', ffn]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`ytuning: ${k} must be a positive integer, got ${v}`);
  }
  if (d % H !== 0) throw new Error(`ytuning: H (${H}) must divide d (${d})`);
  let seeds: Float64Array | null = null;
  if (cfg.labelSeeds) {
    if (cfg.labelSeeds.length !== cfg.L * cfg.C) {
      throw new Error(`ytuning: labelSeeds has ${cfg.labelSeeds.length} values, expected (L, C) = (${cfg.L}, ${cfg.C})`);
    }
    seeds = Float64Array.from(cfg.labelSeeds, (x) => Math.fround(x));
  }
  const pair = cfg.pair ?? false;
  if (typeof pair !== 'boolean') throw new Error(`ytuning: pair must be true or false, got ${String(pair)}`);
  const dropout = cfg.dropout ?? 0.1;
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`ytuning: dropout must be in [0, 1), got ${dropout}`);
  return { C: cfg.C, L: cfg.L, d, H, N, ffn, seeds, seed: cfg.seed ?? 0, lnEps: cfg.lnEps ?? 1e-5, pair, dropout };
}

/** Dropout sites of a decoder layer, in stream order. */
export const YTUNING_DROPOUT_SITES = ['selfAttnOut', 'crossAttnOut', 'ffnAct', 'ffnOut'] as const;
export type YTuningDropoutSite = (typeof YTUNING_DROPOUT_SITES)[number];

/**
 * The dropout mask parameters of one site in training step `step` (the head's count of training forwards,
 * from 0): seed = the head's seed as u32, stream = 4 * layer + site. Shared by the GPU head and the reference.
 */
export function ytuningDropout(r: YTuningResolved, step: number, layer: number, site: YTuningDropoutSite) {
  return { p: r.dropout, seed: Math.trunc(r.seed) >>> 0, step: step >>> 0, stream: 4 * layer + YTUNING_DROPOUT_SITES.indexOf(site) };
}

export interface YTuningParamSpec {
  name: string;
  shape: number[];
  decay: boolean;
  /** Initial values: N(0, std^2), or a constant. */
  init: { std: number } | { value: number };
}

/** Per-layer parameter names are prefixed `l{i}.`. */
export function ytuningParamSpecs(r: YTuningResolved): YTuningParamSpec[] {
  const { C, L, d, N, ffn } = r;
  const w = (name: string, K: number, M: number, std = 1 / Math.sqrt(K)): YTuningParamSpec => ({ name, shape: [K, M], decay: true, init: { std } });
  const z = (name: string, n: number): YTuningParamSpec => ({ name, shape: [n], decay: false, init: { value: 0 } });
  const one = (name: string, n: number): YTuningParamSpec => ({ name, shape: [n], decay: false, init: { value: 1 } });
  const p: YTuningParamSpec[] = [];
  if (r.seeds) p.push(w('Ws', C, d, 1), z('bs', d));
  p.push({ name: 'E', shape: [L, d], decay: false, init: { std: r.seeds ? 0.02 : 1 } });
  p.push(w('Wf', C, d), z('bf', d), one('mg', d), z('mb', d));
  // The pooled token's projection: from f (C), or for pairs from g = [u, v, |u-v|, u*v] (4C).
  p.push(w('Wp', r.pair ? 4 * C : C, d), z('bp', d), one('pg', d), z('pb', d));
  for (let i = 0; i < N; i++) {
    const l = `l${i}.`;
    p.push(one(l + 'ln1g', d), z(l + 'ln1b', d));
    // No key biases: softmax over keys ignores a shift shared by every key, so their gradient is exactly 0 in
    // exact arithmetic and pure rounding noise on the GPU, which Adam would turn into full-size random steps.
    for (const n of ['sq', 'sk', 'sv', 'so']) p.push(w(l + 'W' + n, d, d), ...(n === 'sk' ? [] : [z(l + 'b' + n, d)]));
    p.push(one(l + 'ln2g', d), z(l + 'ln2b', d));
    for (const n of ['cq', 'ck', 'cv', 'co']) p.push(w(l + 'W' + n, d, d), ...(n === 'ck' ? [] : [z(l + 'b' + n, d)]));
    p.push(one(l + 'ln3g', d), z(l + 'ln3b', d));
    p.push(w(l + 'W1', d, ffn), z(l + 'b1', ffn), w(l + 'W2', ffn, d), z(l + 'b2', d));
  }
  // The final LN has a scale but no shift: <beta, u> would add the same number to every label's score, which the
  // softmax ignores (again a gradient that is exactly 0, i.e. noise).
  p.push(one('lnfg', d));
  p.push({ name: 'u', shape: [d, 1], decay: true, init: { std: 1 / Math.sqrt(d) } });
  p.push(z('c', L));
  // Pairs: the zero-initialised linear shortcut g Wsc added to the scores (last, so the seeds of all above stay put).
  if (r.pair) p.push({ name: 'Wsc', shape: [4 * C, L], decay: true, init: { value: 0 } });
  return p;
}

/** The initial parameters for a config (deterministic in `seed`). */
export function ytuningInit(r: YTuningResolved): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  ytuningParamSpecs(r).forEach((spec, i) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    out[spec.name] = 'std' in spec.init ? seededNormals(n, (r.seed * 1000003 + 7919 * (i + 1)) >>> 0, spec.init.std) : new Float64Array(n).fill(spec.init.value);
  });
  return out;
}
