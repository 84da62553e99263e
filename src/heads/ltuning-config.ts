// VERSION 1 of the label-attention kinds (label-attn-prefix / -prompt), kept so files saved before version 2
// (./label-attn.ts, issue 10 item 5) rebuild the architecture they were trained with; new heads are version 2.
// L-Tuning heads (DESIGN.md §1, arXiv 2402.01643): configuration, parameter lists and seeded initialisation shared
// by the GPU heads (./ltuning-prefix.ts, ./ltuning-prompt.ts) and the float64 references (reference/heads/ltuning-*.ts).
// Design decision: both heads score every (text b, label l) pair in one forward, logits (B, L) = match scores; the
// trainer turns them into match / no-match pairs (or any loss over labels). Unlike the paper, the label prefix /
// prompt conditions trainable layers over CACHED text features, not the frozen encoder's own forward pass.
// Parameters with an exactly-zero gradient by construction (key biases, LN shifts before a linear score) are left
// out. Weights ~ N(0, 1/fan_in) except the prefix map Z (unit scale, as the Y-Tuning label queries), biases and
// LN shifts 0, LN scales 1, the prompt transform G = identity.
import { seededNormals } from './init';

export type LTuningKind = 'label-attn-prefix' | 'label-attn-prompt';

export interface LTuningConfig {
  /** Encoder width. */
  C: number;
  /** Number of labels. */
  L: number;
  /** Head width (default 64). */
  d?: number;
  /** Attention heads (default 4); must divide d. */
  H?: number;
  /** Prefix vectors per label (prefix variant only; default 4). */
  m?: number;
  /** Padded label-text length Tl (prefix variant). */
  Tl?: number;
  /** (L, Tl, C) label token states, zero-padded (prefix variant). */
  labelTokens?: ArrayLike<number> | null;
  /** (L, Tl) 1 = real label token, 0 = padding (prefix variant). */
  labelMask?: ArrayLike<number> | null;
  /** (L, C) pooled label-text vectors s_l (prompt variant). */
  labelSeeds?: ArrayLike<number> | null;
  /** Initialisation seed (default 0). */
  seed?: number;
  /** LayerNorm epsilon (default 1e-5). */
  lnEps?: number;
}

export interface LTuningResolved {
  kind: LTuningKind;
  C: number;
  L: number;
  d: number;
  H: number;
  m: number;
  Tl: number;
  labelTokens: Float64Array | null; // (L, Tl, C)
  labelMask: Float64Array | null; // (L, Tl)
  seeds: Float64Array | null; // (L, C)
  seed: number;
  lnEps: number;
}

const f32 = (x: ArrayLike<number>) => Float64Array.from(x, (v) => Math.fround(v));

export function resolveLTuning(kind: LTuningKind, cfg: LTuningConfig): LTuningResolved {
  const d = cfg.d ?? 64;
  const H = cfg.H ?? 4;
  const m = cfg.m ?? 4;
  const Tl = kind === 'label-attn-prefix' ? (cfg.Tl ?? 0) : 1;
  for (const [k, v] of [['C', cfg.C], ['L', cfg.L], ['d', d], ['H', H], ['m', m], ['Tl', Tl]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${kind}: ${k} must be a positive integer, got ${v}`);
  }
  if (d % H !== 0) throw new Error(`${kind}: H (${H}) must divide d (${d})`);
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
  return { kind, C, L, d, H, m, Tl, labelTokens, labelMask, seeds, seed: cfg.seed ?? 0, lnEps: cfg.lnEps ?? 1e-5 };
}

export interface LTuningParamSpec {
  name: string;
  shape: number[];
  decay: boolean;
  init: { std: number } | { value: number } | { identity: number };
}

export function ltuningParamSpecs(r: LTuningResolved): LTuningParamSpec[] {
  const { C, d, m } = r;
  const w = (name: string, K: number, M: number, std = 1 / Math.sqrt(K)): LTuningParamSpec => ({ name, shape: [K, M], decay: true, init: { std } });
  const z = (name: string, n: number): LTuningParamSpec => ({ name, shape: [n], decay: false, init: { value: 0 } });
  const one = (name: string, n: number): LTuningParamSpec => ({ name, shape: [n], decay: false, init: { value: 1 } });
  const p: LTuningParamSpec[] = [];
  if (r.kind === 'label-attn-prefix') {
    // wa: pooling scores a = softmax(Y_l wa); Z: p_l -> m prefix vectors (query l*m + j = row j of label l)
    p.push({ name: 'wa', shape: [1, C], decay: false, init: { std: 1 / Math.sqrt(C) } });
    p.push(w('Wz', C, m * d, 1), z('bz', m * d));
    p.push(w('Wf', C, d), z('bf', d), one('mg', d), z('mb', d));
    p.push(w('Wk', d, d), w('Wv', d, d));
    p.push(one('lnfg', d));
  } else {
    p.push({ name: 'G', shape: [C, C], decay: false, init: { identity: C } });
    p.push(w('Wf', C, d), z('bf', d), one('mg', d), z('mb', d));
    p.push(w('Wq', d, d), z('bq', d), w('Wk', d, d), w('Wv', d, d), z('bv', d), w('Wo', d, d), z('bo', d));
    p.push(one('lnfg', d));
  }
  p.push({ name: 'u', shape: [d, 1], decay: true, init: { std: 1 / Math.sqrt(d) } });
  p.push(z('c', 1));
  return p;
}

export function ltuningInit(r: LTuningResolved): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  ltuningParamSpecs(r).forEach((spec, i) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const init = spec.init;
    if ('std' in init) out[spec.name] = seededNormals(n, (r.seed * 1000003 + 7919 * (i + 1)) >>> 0, init.std);
    else if ('value' in init) out[spec.name] = new Float64Array(n).fill(init.value);
    else {
      const x = new Float64Array(n);
      for (let k = 0; k < init.identity; k++) x[k * init.identity + k] = 1;
      out[spec.name] = x;
    }
  });
  return out;
}
