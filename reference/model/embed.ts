// The embeddings and the pooling tail of an EncoderSpec in float64, forward and backward (reference/model/
// encoder.ts runs them around the layers). Built on reference/embedding.ts, layernorm, meanpool, activation
// (tanh) and l2norm.
// Embeddings: e = wordScale * word[id] (or a prompt vector) + position term + token-type row, then LayerNorm if
// the model has one. Positions: 'index' -> the row's column; 'cumsum' -> cumsum(mask) - 1 as the ONNX graph
// computes it (left padding works), and a token at position >= maxTokens is dropped from the mask (USE-lite).
// Design decision: a prompt (L-Tuning, issue 10) is P vectors per example that REPLACE word rows in front of
// the text — they are not scaled by wordScale, and they get positions 0..P-1, token type 0 and mask 1, so the
// text's positions start at P. Pooling: masked mean / max(count, minCount) -> [dense -> tanh]* -> L2.
import { activationBackward, activationForward } from '../activation';
import { embeddingBackward, embeddingForward } from '../embedding';
import { l2normBackward, l2normForward } from '../l2norm';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { linearBackward, linearForward } from '../matmul';
import { meanPoolBackward, meanPoolForward } from '../meanpool';
import type { EncoderSpec } from '../../src/model/spec';
import { acc, type Params } from './layer';

export interface EmbedInput {
  ids: ArrayLike<number>;
  mask: ArrayLike<number>;
  tokenTypeIds?: ArrayLike<number> | null;
  B: number;
  T: number;
  /** (B, P, E) prompt vectors; P = prompt.length / (B * E). */
  prompt?: Float64Array | null;
  promptLength?: number;
  /** (B, P) 1 = prompt row attended, 0 = masked (no position step, no key); absent: all 1. */
  promptMask?: ArrayLike<number> | null;
  /** (B, P+T, E) added to the summed embeddings before the norm (a probe for gradient checks). */
  delta?: Float64Array | null;
}

export interface EmbedCache {
  B: number;
  T: number;
  P: number;
  L: number;
  /** (B, L) 1 for an attended row (prompt rows and kept tokens). */
  keep: Float64Array;
  positions: Int32Array;
  types: Int32Array;
  sum: Float64Array;
  norm: { mean: Float64Array; rstd: Float64Array } | null;
}

const get = (p: Params, n: string) => p.get(n)!;

export function embedForward(spec: EncoderSpec, p: Params, inp: EmbedInput): { x: Float64Array; cache: EmbedCache } {
  const { B, T } = inp;
  const E = spec.embedWidth;
  const emb = spec.embeddings;
  const P = inp.prompt ? (inp.promptLength ?? inp.prompt.length / (B * E)) : 0;
  if (inp.promptMask && inp.promptMask.length !== B * P) throw new Error(`reference encoder: promptMask holds ${inp.promptMask.length} values, expected B*P = ${B * P}`);
  if (inp.prompt && inp.prompt.length !== B * P * E) throw new Error(`reference encoder: prompt holds ${inp.prompt.length} values, expected B*P*E = ${B * P * E}`);
  const L = P + T;
  if (inp.ids.length !== B * T || inp.mask.length !== B * T) throw new Error(`reference encoder: ids and mask must hold B*T = ${B * T} values`);
  if (emb.positionFrom === 'index' && L > spec.maxTokens) throw new Error(`reference encoder: ${L} rows (prompt ${P} + ${T} tokens) exceed the model's ${spec.maxTokens} positions`);
  const keep = new Float64Array(B * L);
  const positions = new Int32Array(B * L);
  const types = new Int32Array(B * L);
  const tokenRows: number[] = [];
  const tokenIds: number[] = [];
  for (let b = 0; b < B; b++) {
    let seen = 0;
    for (let t = 0; t < L; t++) {
      const r = b * L + t;
      const tok = t - P;
      const on = tok < 0 ? !inp.promptMask || inp.promptMask[b * P + t] > 0 : inp.mask[b * T + tok] > 0;
      if (tok >= 0) {
        tokenRows.push(r);
        tokenIds.push(inp.ids[b * T + tok]);
        types[r] = inp.tokenTypeIds ? inp.tokenTypeIds[b * T + tok] : 0;
      }
      if (emb.positionFrom === 'index') {
        positions[r] = t;
        keep[r] = on ? 1 : 0;
      } else {
        if (on) seen++;
        positions[r] = seen - 1;
        keep[r] = on && seen - 1 < spec.maxTokens ? 1 : 0;
      }
    }
  }
  const V = spec.vocabSize;
  const words = embeddingForward(get(p, 'embeddings.word'), tokenIds, { V, E, scale: emb.wordScale });
  const sum = new Float64Array(B * L * E);
  tokenRows.forEach((r, i) => sum.set(words.subarray(i * E, (i + 1) * E), r * E));
  for (let b = 0; b < B && P > 0; b++) sum.set(inp.prompt!.subarray(b * P * E, (b + 1) * P * E), b * L * E);
  const pos = emb.position;
  const table = pos.kind === 'learned' ? get(p, 'embeddings.position') : null;
  const typeTable = emb.tokenType ? get(p, 'embeddings.tokenType') : null;
  for (let r = 0; r < B * L; r++) {
    const o = r * E;
    if (table) {
      const row = Math.max(0, positions[r]) * E;
      for (let c = 0; c < E; c++) sum[o + c] += table[row + c];
    } else if (pos.kind === 'sinusoid') {
      const half = pos.invTimescales.length;
      for (let j = 0; j < half; j++) {
        const a = positions[r] * pos.invTimescales[j];
        const [first, second] = pos.order === 'sin-cos' ? [Math.sin(a), Math.cos(a)] : [Math.cos(a), Math.sin(a)];
        sum[o + j] += pos.scale * first;
        sum[o + half + j] += pos.scale * second;
      }
    }
    if (typeTable) for (let c = 0; c < E; c++) sum[o + c] += typeTable[types[r] * E + c];
    if (inp.delta) for (let c = 0; c < E; c++) sum[o + c] += inp.delta[o + c];
  }
  let x: Float64Array = sum;
  let norm: EmbedCache['norm'] = null;
  if (emb.norm) {
    const r = layerNormForward(sum, get(p, 'embeddings.norm.gamma'), get(p, 'embeddings.norm.beta'), { rows: B * L, dim: E }, emb.norm.eps);
    x = r.y;
    norm = { mean: r.mean, rstd: r.rstd };
  }
  return { x, cache: { B, T, P, L, keep, positions, types, sum, norm } };
}

/** Gradients of the embedding weights (into grads); returns dSum (B, L, E) — the prompt's gradient is its rows. */
export function embedBackward(spec: EncoderSpec, p: Params, c: EmbedCache, ids: ArrayLike<number>, dX: Float64Array, grads: Params): Float64Array {
  const { B, T, P, L } = c;
  const E = spec.embedWidth;
  const emb = spec.embeddings;
  let dSum = dX;
  if (emb.norm) {
    const r = layerNormBackward(c.sum, get(p, 'embeddings.norm.gamma'), c.norm!.mean, c.norm!.rstd, dX, { rows: B * L, dim: E });
    acc(grads, 'embeddings.norm.gamma', r.dGamma);
    acc(grads, 'embeddings.norm.beta', r.dBeta);
    dSum = r.dX;
  }
  const tokenIds: number[] = [];
  const dWords = new Float64Array(B * T * E);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      tokenIds.push(ids[b * T + t]);
      dWords.set(dSum.subarray((b * L + P + t) * E, (b * L + P + t + 1) * E), (b * T + t) * E);
    }
  }
  acc(grads, 'embeddings.word', embeddingBackward(tokenIds, dWords, { V: spec.vocabSize, E, scale: emb.wordScale }));
  if (emb.position.kind === 'learned') {
    const rows = emb.position.table.shape[0];
    acc(grads, 'embeddings.position', embeddingBackward(Array.from(c.positions, (q) => Math.max(0, q)), dSum, { V: rows, E }));
  }
  if (emb.tokenType) acc(grads, 'embeddings.tokenType', embeddingBackward(Array.from(c.types), dSum, { V: emb.tokenType.shape[0], E }));
  return dSum;
}

export interface PoolCache {
  h: Float64Array;
  mean: Float64Array;
  /** Each dense layer's input and tanh output. */
  dense: { x: Float64Array; y: Float64Array }[];
  preL2: Float64Array;
}

export function poolForward(spec: EncoderSpec, p: Params, h: Float64Array, keep: Float64Array, B: number, L: number): { pooled: Float64Array; cache: PoolCache } | null {
  const pool = spec.pooling;
  if (!pool) return null;
  const C = spec.hiddenSize;
  const mean = meanPoolForward(h, keep, { B, T: L, C, minCount: pool.minCount });
  let e = mean;
  const dense: PoolCache['dense'] = [];
  pool.dense.forEach((d, i) => {
    const z = linearForward(e, get(p, `pooling.dense.${i}.W`), d.b ? get(p, `pooling.dense.${i}.b`) : null, B, d.in, d.out);
    const y = activationForward('tanh', z);
    dense.push({ x: e, y });
    e = y;
  });
  const width = e.length / B;
  const pooled = pool.l2 ? l2normForward(e, B, width, pool.l2.eps) : e;
  return { pooled, cache: { h, mean, dense, preL2: e } };
}

/** dH (B, L, C) of the pooling's input; dense weight gradients into grads. */
export function poolBackward(spec: EncoderSpec, p: Params, c: PoolCache, keep: Float64Array, dPooled: Float64Array, B: number, L: number, grads: Params): Float64Array {
  const pool = spec.pooling!;
  let d = pool.l2 ? l2normBackward(c.preL2, dPooled, B, c.preL2.length / B, pool.l2.eps) : dPooled;
  for (let i = pool.dense.length - 1; i >= 0; i--) {
    const l = pool.dense[i];
    const dZ = activationBackward('tanh', c.dense[i].y, d);
    const r = linearBackward(c.dense[i].x, get(p, `pooling.dense.${i}.W`), dZ, B, l.in, l.out);
    acc(grads, `pooling.dense.${i}.W`, r.dW);
    if (l.b) acc(grads, `pooling.dense.${i}.b`, r.db);
    d = r.dX;
  }
  return meanPoolBackward(keep, d, { B, T: L, C: spec.hiddenSize, minCount: pool.minCount });
}
