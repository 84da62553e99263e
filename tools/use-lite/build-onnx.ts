// Emits the dense ONNX rebuild of USE-lite from a UseLiteSpec (read from the TF.js graph by read-spec.ts).
// Inputs input_ids / attention_mask int64 (batch, seq); outputs last_hidden_state (batch, seq, C) and
// sentence_embedding (batch, C'). Standard opset-17 ops only, so onnxruntime-web (wasm, WebGPU) runs it.
// Design decision: the TF graph's sparse input becomes a mask. A token's position is cumsum(mask) - 1 (its
// column for right padding, and left padding works too); tokens at position >= maxTokens are masked out,
// which is exactly what the TF graph's ClipToMaxLength does (masked keys get the -1e9 bias, pooling ignores
// them), so outputs keep the input's seq length. Rows of padded positions are finite but meaningless.
import { Graph } from '../onnx';
import type { Dense, LayerNormSpec, UseLiteSpec } from './read-spec';

export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const LAST_HIDDEN_STATE = 'last_hidden_state';
export const SENTENCE_EMBEDDING = 'sentence_embedding';

function dense(g: Graph, x: string, d: Dense, name: string): string {
  const w = g.initializer(`${name}.kernel`, d.kernel, [d.in, d.out]);
  const b = g.initializer(`${name}.bias`, d.bias, [d.out]);
  return g.node('Add', [g.node('MatMul', [x, w]), b]);
}

function layerNorm(g: Graph, x: string, ln: LayerNormSpec, name: string): string {
  const s = g.initializer(`${name}.scale`, ln.scale, [ln.scale.length]);
  const b = g.initializer(`${name}.bias`, ln.bias, [ln.bias.length]);
  return g.node('LayerNormalization', [x, s, b], { axis: -1, epsilon: { float: ln.epsilon } });
}

/** Build the ONNX graph. */
export function buildUseLiteGraph(spec: UseLiteSpec): Graph {
  const g = new Graph('use-lite');
  const ids = g.input(INPUT_IDS, 'int64', ['batch', 'seq']);
  const mask = g.input(ATTENTION_MASK, 'int64', ['batch', 'seq']);

  // Positions and the clipped mask.
  const maskOn = g.node('Greater', [mask, g.constInt64([0], [])]); // (B, T) bool
  const maskI = g.node('Cast', [maskOn], { to: 7 }); // int64
  const pos = g.node('Sub', [g.node('CumSum', [maskI, g.constInt64([1], [])]), g.constInt64([1], [])]); // (B, T)
  const keep = g.node('And', [maskOn, g.node('Less', [pos, g.constInt64([spec.maxTokens], [])])]);
  const keepF = g.node('Cast', [keep], { to: 1 }, 'keep_mask'); // (B, T) float 1 = real token

  // Layer 0 input: embeddingFactor * E[ids] + timingFactor * timing(pos).
  const table = g.initializer('embeddings', spec.embeddings, [spec.vocabSize, spec.embedWidth]);
  const emb = g.node('Gather', [table, ids], { axis: 0 }); // (B, T, E)
  const invTs = g.initializer('timing.inv_timescales', spec.invTimescales, [1, spec.invTimescales.length]);
  const angles = g.node('Mul', [g.node('Unsqueeze', [g.node('Cast', [pos], { to: 1 }), g.constInt64([2])]), invTs]); // (B, T, n)
  const [a, b] = spec.timingOrder;
  const timing = g.node('Concat', [g.node(a, [angles]), g.node(b, [angles])], { axis: -1 }); // (B, T, E)
  const scaled = (x: string, k: number) => (k === 1 ? x : k === 2 ? g.node('Add', [x, x]) : g.node('Mul', [x, g.constFloat([k], [])]));
  if (spec.embeddingFactor < 1 || spec.timingFactor < 1) throw new Error(`unexpected layer-0 input form ${spec.embeddingFactor}*emb + ${spec.timingFactor}*timing`);
  let h = g.node('Add', [scaled(emb, spec.embeddingFactor), scaled(timing, spec.timingFactor)], {}, 'layer_0.input');

  // Attention bias for padded keys: (1 - keep) * maskBias, shaped (B, 1, 1, T).
  const notKeep = g.node('Sub', [g.constFloat([1], []), keepF]);
  const keyBias = g.node('Unsqueeze', [g.node('Mul', [notKeep, g.constFloat([spec.maskBias], [])]), g.constInt64([1, 2])]);

  for (const L of spec.layers) {
    const p = `layer_${L.index}`;
    const x = h; // (B, T, inWidth)
    const n1 = layerNorm(g, x, L.attnNorm, `${p}.attention_norm`);
    const qkv = dense(g, n1, L.qkv, `${p}.attention.qkv`); // (B, T, q+k+v)
    const [q, k, v] = g.nodeOutputs('Split', [qkv, g.constInt64(L.split)], 3, { axis: -1 });
    const heads = (t: string) =>
      g.node('Transpose', [g.node('Reshape', [t, g.constInt64([0, 0, L.heads, L.headDim])])], { perm: [0, 2, 1, 3] }); // (B, H, T, dh)
    const qh = g.node('Mul', [heads(q), g.constFloat([L.qScale], [])]);
    const kT = g.node('Transpose', [g.node('Reshape', [k, g.constInt64([0, 0, L.heads, L.headDim])])], { perm: [0, 2, 3, 1] }); // (B, H, dh, T)
    const logits = g.node('Add', [g.node('MatMul', [qh, kT]), keyBias]); // (B, H, T, T)
    const probs = g.node('Softmax', [logits], { axis: -1 });
    const ctx = g.node('MatMul', [probs, heads(v)]); // (B, H, T, dh)
    const merged = g.node('Reshape', [g.node('Transpose', [ctx], { perm: [0, 2, 1, 3] }), g.constInt64([0, 0, L.heads * L.headDim])]);
    const attn = dense(g, merged, L.attnOut, `${p}.attention.output`); // (B, T, outWidth)
    const skip = L.residual ? dense(g, x, L.residual, `${p}.residual`) : x;
    const y = g.node('Add', [attn, skip], {}, `${p}.attention_residual`);
    const n2 = layerNorm(g, y, L.ffnNorm, `${p}.ffn_norm`);
    const f = dense(g, g.node(L.ffnActivation, [dense(g, n2, L.ffn1, `${p}.ffn.1`)]), L.ffn2, `${p}.ffn.2`);
    h = g.node('Add', [f, y], {}, `${p}.output`);
  }
  const hidden = g.node('Identity', [h], {}, LAST_HIDDEN_STATE);

  // Pooling: masked mean with count floor, dense+tanh layers, L2 normalisation with a floor on the sum of squares.
  const sum = g.node('ReduceSum', [g.node('Mul', [hidden, g.node('Unsqueeze', [keepF, g.constInt64([2])])]), g.constInt64([1])], { keepdims: 0 }); // (B, C)
  const count = g.node('Max', [g.node('ReduceSum', [keepF, g.constInt64([1])], { keepdims: 1 }), g.constFloat([spec.poolMinCount], [])]); // (B, 1)
  let e = g.node('Div', [sum, count], {}, 'pooled_mean');
  spec.hidden.forEach((layer, i) => {
    e = g.node(layer.activation, [dense(g, e, layer.dense, `pooler_${i}`)]);
  });
  const ss = g.node('ReduceSum', [g.node('Mul', [e, e]), g.constInt64([1])], { keepdims: 1 });
  const norm = g.node('Sqrt', [g.node('Max', [ss, g.constFloat([spec.l2Epsilon], [])])]);
  const embOut = g.node('Div', [e, norm], {}, SENTENCE_EMBEDDING);

  g.output(hidden, 'float', ['batch', 'seq', spec.hiddenSize]);
  g.output(embOut, 'float', ['batch', spec.hidden[spec.hidden.length - 1].dense.out]);
  return g;
}
