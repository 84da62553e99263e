// Test fixtures for src/model/onnx-reader.ts: the tiny BERT's weights (tools/tiny-bert/weights.ts) written as
// ONNX graphs in the forms real exporters produce — Hugging Face style (decomposed LayerNorm, GELU as
// x*0.5*(1+erf(x/sqrt2)), positions by Gather on a sliced position_ids constant, scores Div sqrt(dh), mask bias
// (1-mask)*float-min, a [CLS] pooler output) — and broken on purpose (no Softmax, an unknown activation, a
// quantized projection), plus a renamer that changes every name in a model. Not a test file itself.
import onnxProto from 'onnx-proto';
import { Graph } from '../../tools/onnx';
import type { TinyBertConfig, TinyBertWeights } from '../../tools/make-tiny-bert';

const { onnx } = onnxProto;

export interface Variant {
  layerNorm?: 'op' | 'decomposed';
  gelu?: 'tiny' | 'hf' | 'silu' | 'relu';
  /** sdpa: q and k^T each multiplied by Sqrt(1/sqrt(dh)) computed by nodes, as torch's SDPA export writes it. */
  scale?: 'mul-scores' | 'div-scores' | 'mul-q' | 'sqrt-both' | 'sdpa';
  /** input: positions come from a position_ids graph input (unsupported). */
  positions?: 'slice' | 'gather-ids' | 'input' | 'from-ids';
  maskBias?: number;
  /** where: Where(bool(1 - mask), maskBias, 1 - mask), as transformers builds the SDPA mask. */
  maskForm?: 'mul' | 'where' | 'masked-fill';
  softmax?: boolean;
  quantizeLayer?: number;
  pooler?: boolean;
}

export function tinyBertVariant(cfg: TinyBertConfig, w: TinyBertWeights, o: Variant = {}): Uint8Array {
  const { hidden: C, heads: H, intermediate: I, vocabSize: V, maxPositions: P, typeVocab: T } = cfg;
  const dh = C / H;
  const g = new Graph('tiny-bert-variant');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const types = g.input('token_type_ids', 'int64', ['batch', 'seq']);
  const f = (v: number) => g.constFloat([v], []);

  const layerNorm = (x: string, gain: Float32Array, bias: Float32Array, name: string, out?: string) => {
    const gi = g.initializer(`${name}.weight`, gain, [C]);
    const bi = g.initializer(`${name}.bias`, bias, [C]);
    if (o.layerNorm !== 'decomposed') return g.node('LayerNormalization', [x, gi, bi], { axis: -1, epsilon: cfg.layerNormEps }, out);
    const d = g.node('Sub', [x, g.node('ReduceMean', [x], { axes: [-1] })]);
    const variance = g.node('ReduceMean', [g.node('Pow', [d, f(2)])], { axes: [-1] });
    const norm = g.node('Div', [d, g.node('Sqrt', [g.node('Add', [variance, f(cfg.layerNormEps)])])]);
    return g.node('Add', [g.node('Mul', [norm, gi]), bi], {}, out);
  };
  const linear = (x: string, weight: Float32Array, bias: Float32Array, inp: number, out: number, name: string, quantize = false) => {
    const wi = g.initializer(`${name}.weight`, weight, [inp, out]);
    if (!quantize) return g.node('Add', [g.node('MatMul', [x, wi]), g.initializer(`${name}.bias`, bias, [out])]);
    const [xq, xs, xz] = g.nodeOutputs('DynamicQuantizeLinear', [x], 3);
    const wq = g.initializer(`${name}.weight_quantized`, Int8Array.from(weight, (v) => Math.round(v * 64)), [inp, out]);
    const mm = g.node('Cast', [g.node('MatMulInteger', [xq, wq, xz])], { to: 1 });
    return g.node('Add', [g.node('Mul', [mm, g.node('Mul', [xs, f(1 / 64)])]), g.initializer(`${name}.bias`, bias, [out])]);
  };

  const word = g.node('Gather', [g.initializer('embeddings.word', w.word, [V, C]), ids], { axis: 0 });
  const typ = g.node('Gather', [g.initializer('embeddings.token_type', w.tokenType, [T, C]), types], { axis: 0 });
  const seqLen = g.node('Slice', [g.node('Shape', [ids]), g.constInt64([1]), g.constInt64([2]), g.constInt64([0])]);
  const posTable = g.initializer('embeddings.position', w.position, [P, C]);
  let pos: string;
  if (o.positions === 'gather-ids') {
    const posIds = g.initializer('embeddings.position_ids', BigInt64Array.from({ length: P }, (_, i) => BigInt(i)), [1, P]);
    const sliced = g.node('Slice', [posIds, g.constInt64([0]), seqLen, g.constInt64([1])]); // (1, s)
    pos = g.node('Gather', [posTable, sliced], { axis: 0 }); // (1, s, C)
  } else if (o.positions === 'from-ids') {
    // RoBERTa: cumsum(ids != pad) * (ids != pad) + pad.
    const notPad = g.node('Cast', [g.node('Not', [g.node('Equal', [ids, g.constInt64([1], [])])])], { to: 7 });
    const p = g.node('Add', [g.node('Mul', [g.node('CumSum', [notPad, g.constInt64([1], [])]), notPad]), g.constInt64([1], [])]);
    pos = g.node('Gather', [posTable, p], { axis: 0 });
  } else if (o.positions === 'input') pos = g.node('Gather', [posTable, g.input('position_ids', 'int64', ['batch', 'seq'])], { axis: 0 });
  else pos = g.node('Slice', [posTable, g.constInt64([0]), seqLen, g.constInt64([0])]);
  let x = layerNorm(g.node('Add', [g.node('Add', [word, typ]), pos]), w.embLnG, w.embLnB, 'embeddings.norm');

  const maskF = g.node('Cast', [g.node('Unsqueeze', [g.node('Unsqueeze', [mask, g.constInt64([1])]), g.constInt64([2])])], { to: 1 });
  const inverted = g.node('Sub', [f(1), maskF]);
  const keyBias = o.maskForm === 'where'
    ? g.node('Where', [g.node('Cast', [inverted], { to: 9 }), f(o.maskBias ?? -1e9), inverted])
    : g.node('Mul', [inverted, f(o.maskBias ?? -1e9)]);
  const headsShape = g.constInt64([0, 0, H, dh]);
  const mergeShape = g.constInt64([0, 0, C]);

  w.layers.forEach((L, l) => {
    const n = `layer${l}`;
    const split = (t: string, perm: number[]) => g.node('Transpose', [g.node('Reshape', [t, headsShape])], { perm });
    let q = split(linear(x, L.q, L.qb, C, C, `${n}.query`, o.quantizeLayer === l), [0, 2, 1, 3]);
    let kT = g.node('Transpose', [split(linear(x, L.k, L.kb, C, C, `${n}.key`), [0, 2, 1, 3])], { perm: [0, 1, 3, 2] });
    const v = split(linear(x, L.v, L.vb, C, C, `${n}.value`), [0, 2, 1, 3]);
    if (o.scale === 'mul-q') q = g.node('Mul', [q, f(1 / Math.sqrt(dh))]);
    if (o.scale === 'sqrt-both') {
      q = g.node('Mul', [q, f(dh ** -0.25)]);
      kT = g.node('Mul', [kT, f(dh ** -0.25)]);
    }
    if (o.scale === 'sdpa') {
      const root = g.node('Sqrt', [g.node('Div', [f(1), g.node('Sqrt', [f(dh)])])]);
      q = g.node('Mul', [q, root]);
      kT = g.node('Mul', [kT, root]);
    }
    let scores = g.node('MatMul', [q, kT]);
    if (o.scale === undefined || o.scale === 'mul-scores') scores = g.node('Mul', [scores, f(1 / Math.sqrt(dh))]);
    if (o.scale === 'div-scores') scores = g.node('Div', [scores, f(Math.sqrt(dh))]);
    if (o.maskForm === 'masked-fill') {
      const padded = g.node('Equal', [g.node('Unsqueeze', [g.node('Unsqueeze', [mask, g.constInt64([1])]), g.constInt64([2])]), g.constInt64([0], [])]);
      scores = g.node('Where', [padded, f(o.maskBias ?? -3.4028234663852886e38), scores]);
    } else scores = g.node('Add', [scores, keyBias]);
    const probs = o.softmax === false ? scores : g.node('Softmax', [scores], { axis: -1 });
    const ctx = g.node('Reshape', [g.node('Transpose', [g.node('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), mergeShape]);
    const attn = linear(ctx, L.o, L.ob, C, C, `${n}.attention_output`);
    x = layerNorm(g.node('Add', [attn, x]), L.ln1g, L.ln1b, `${n}.attention_norm`);
    const up = linear(x, L.up, L.upb, C, I, `${n}.intermediate`);
    let act: string;
    if (o.gelu === 'hf') {
      const e = g.node('Erf', [g.node('Div', [up, f(Math.SQRT2)])]);
      act = g.node('Mul', [g.node('Mul', [up, g.node('Add', [e, f(1)])]), f(0.5)]);
    } else if (o.gelu === 'silu') act = g.node('Mul', [up, g.node('Sigmoid', [up])]);
    else if (o.gelu === 'relu') act = g.node('Relu', [up]);
    else {
      const e = g.node('Erf', [g.node('Mul', [up, f(Math.SQRT1_2)])]);
      act = g.node('Mul', [g.node('Mul', [up, f(0.5)]), g.node('Add', [e, f(1)])]);
    }
    const down = linear(act, L.down, L.downb, I, C, `${n}.output`);
    const last = l === w.layers.length - 1;
    x = layerNorm(g.node('Add', [down, x]), L.ln2g, L.ln2b, `${n}.output_norm`, last ? 'last_hidden_state' : undefined);
  });
  g.output(x, 'float', ['batch', 'seq', C]);
  if (o.pooler) {
    const cls = g.node('Gather', [x, g.constInt64([0], [])], { axis: 1 }); // (b, C)
    const wT = new Float32Array(C * C).map((_, i) => Math.sin(i)); // (out, in), transB
    const pooled = g.node('Tanh', [g.node('Gemm', [cls, g.initializer('pooler.dense.weight', wT, [C, C]), g.initializer('pooler.dense.bias', new Float32Array(C), [C])], { transB: 1 })], {}, 'pooler_output');
    g.output(pooled, 'float', ['batch', C]);
  }
  return g.toBytes({ opset: 17 });
}

/** Every node, value and initializer name replaced by a random one (graph inputs/outputs too). */
export function renameEverything(model: Uint8Array, seed = 7): { bytes: Uint8Array; map: Map<string, string> } {
  const m = onnx.ModelProto.decode(model);
  const g = m.graph!;
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s.toString(36);
  };
  const map = new Map<string, string>();
  const rn = (n: string) => {
    if (!n) return n;
    if (!map.has(n)) map.set(n, `v_${rand()}_${map.size}`);
    return map.get(n)!;
  };
  for (const t of g.initializer ?? []) t.name = rn(t.name!);
  for (const v of [...(g.input ?? []), ...(g.output ?? [])]) v.name = rn(v.name!);
  for (const n of g.node ?? []) {
    n.name = `node_${rand()}`;
    n.input = (n.input ?? []).map(rn);
    n.output = (n.output ?? []).map(rn);
  }
  return { bytes: onnx.ModelProto.encode(m).finish(), map };
}
