// Layer blocks for the head ONNX graphs, over ./graph.ts (opset 17, standard ops only, so onnxruntime-web's
// wasm EP runs them too). Shapes use symbolic batch/token dims; every block reads and returns value names.
// Design decision: attention masks a key by ADDING -1e9 to its score (Where on mask >= 0.5, as the reference's
// keep rule) instead of -inf: the masked probability still underflows to exactly 0 in float32, and a row with
// no kept key cannot turn into NaN. Multi-head attention is Reshape/Transpose + two batched MatMuls. Reductions
// use ReduceSum with its axes as an INPUT (the form of opsets 13..21), never the Reduce* ops whose axes moved from
// attribute to input in opset 18, so a head merges into an encoder graph of any opset from 17 on.
import type { Graph } from './graph';

/** x (..., K) @ W (K, N) (+ b (N)). */
export function linear(g: Graph, x: string, W: string, b: string | null): string {
  const y = g.node('MatMul', [x, W]);
  return b ? g.node('Add', [y, b]) : y;
}

/** LayerNorm over the last dim; `beta` null = no shift. */
export function layerNorm(g: Graph, x: string, gamma: string, beta: string | null, eps: number): string {
  return g.node('LayerNormalization', beta ? [x, gamma, beta] : [x, gamma], { axis: -1, epsilon: { float: eps } });
}

/** GELU, exact erf form: x * 0.5 * (1 + erf(x / sqrt 2)). */
export function gelu(g: Graph, x: string): string {
  const e = g.node('Erf', [g.node('Mul', [x, g.constFloat([Math.SQRT1_2], [])])]);
  const half = g.node('Mul', [g.node('Add', [e, g.constFloat([1], [])]), g.constFloat([0.5], [])]);
  return g.node('Mul', [x, half]);
}

/** Sum over one axis (axes as an input: valid from opset 13 on). */
export function reduceSum(g: Graph, x: string, axis: number, keepdims: boolean): string {
  return g.node('ReduceSum', [x, g.constInt64([axis])], { keepdims: keepdims ? 1 : 0 });
}

/** The batch size of a value whose first dim is the batch, as an int64 (1) tensor. */
export function batchDim(g: Graph, ref: string): string {
  return g.node('Shape', [ref], { start: 0, end: 1 });
}

/** A (rows, cols) value shared by the batch, broadcast to (B, rows, cols). */
export function broadcastBatch(g: Graph, x: string, B: string, rows: number, cols: number): string {
  return g.node('Expand', [x, g.node('Concat', [B, g.constInt64([rows, cols])], { axis: 0 })]);
}

/** A (B, 1) float column of ones. */
export function onesColumn(g: Graph, B: string): string {
  return g.node('Expand', [g.constFloat([1], [1, 1]), g.node('Concat', [B, g.constInt64([1])], { axis: 0 })]);
}

/** Additive key-mask bias (B, 1, 1, Lk): 0 where mask >= 0.5, -1e9 elsewhere. */
export function keyMaskBias(g: Graph, mask: string): string {
  const keep = g.node('GreaterOrEqual', [mask, g.constFloat([0.5], [])]);
  const bias = g.node('Where', [keep, g.constFloat([0], []), g.constFloat([-1e9], [])]);
  return g.node('Unsqueeze', [bias, g.constInt64([1, 2])]);
}

export interface MhaShape {
  H: number;
  dh: number;
  /** Default 1/sqrt(dh). */
  scale?: number;
}

/**
 * Multi-head attention core: q (B, Lq, H*dh), k and v (B, Lk, H*dh) -> (B, Lq, H*dh); `bias` (B, 1, 1, Lk) from
 * keyMaskBias or null (every key kept). Head h is the column slice [h*dh, (h+1)*dh), as in the WGSL kernel.
 */
export function attention(g: Graph, q: string, k: string, v: string, bias: string | null, s: MhaShape): string {
  const { H, dh } = s;
  const heads = g.constInt64([0, 0, H, dh]);
  const split = (x: string, perm: number[]) => g.node('Transpose', [g.node('Reshape', [x, heads])], { perm });
  const qh = split(q, [0, 2, 1, 3]); // (B, H, Lq, dh)
  const kt = split(k, [0, 2, 3, 1]); // (B, H, dh, Lk)
  const vh = split(v, [0, 2, 1, 3]); // (B, H, Lk, dh)
  let scores = g.node('Mul', [g.node('MatMul', [qh, kt]), g.constFloat([s.scale ?? 1 / Math.sqrt(dh)], [])]); // (B, H, Lq, Lk)
  if (bias) scores = g.node('Add', [scores, bias]);
  const probs = g.node('Softmax', [scores], { axis: -1 });
  const o = g.node('Transpose', [g.node('MatMul', [probs, vh])], { perm: [0, 2, 1, 3] }); // (B, Lq, H, dh)
  return g.node('Reshape', [o, g.constInt64([0, 0, H * dh])]);
}

/** [u, v, |u - v|, u * v] along the last dim: (B, C) x 2 -> (B, 4C). */
export function pairFeatures(g: Graph, u: string, v: string): string {
  const diff = g.node('Abs', [g.node('Sub', [u, v])]);
  return g.node('Concat', [u, v, diff, g.node('Mul', [u, v])], { axis: -1 });
}
