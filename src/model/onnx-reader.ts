// readEncoderSpec: the transformer encoder inside a model.onnx, as an EncoderSpec (src/model/spec.ts).
// The graph is recognised from its dataflow, never from initializer or node names: the word-embedding Gather
// on the token-id input starts the residual stream; the terms added to it are classified (learned position
// rows by Slice/Gather on constant positions, a sinusoidal Concat(Sin, Cos) timing signal, token-type rows by
// Gather on another input); an embedding LayerNorm is taken when it is the sum's only reader; then layers are
// read (./onnx-reader-layer.ts) until the stream is a graph output; last, an optional pooling tail (masked
// mean / max(count, floor) -> dense + tanh -> L2) that ends in another output. A [CLS] pooler output
// (Gather index 0 -> linear -> Tanh) is ignored: the app pools by masked mean when there is no sentence output.
// Design decision: every mismatch throws UnsupportedGraphError naming what was expected and the node found, so
// a user learns why a model cannot be fine-tuned (the onnxruntime path keeps working for it). Weights are views
// into `modelBytes` where alignment allows (see ./onnx-graph-view.ts): treat them as read-only.
import type { EmbeddingSpec, EncoderLayerSpec, EncoderSpec, LinearSpec, PoolingSpec, PositionSpec, Tensor } from './spec';
import { describeNode, GraphView, UnsupportedGraphError, type NodeProto } from './onnx-graph-view';
import { matchLayerNorm, matchLinear, weightTensor } from './onnx-patterns';
import { readLayer, type MaskInfo } from './onnx-reader-layer';
import { checkSpecShapes } from './onnx-spec-check';

export { UnsupportedGraphError } from './onnx-graph-view';

const QUANTIZED = /^(MatMulInteger|ConvInteger|DynamicQuantizeLinear|QuantizeLinear|DequantizeLinear|QLinear.*|MatMulNBits|QAttention|DynamicQuantizeMatMul)$/;
const FUSED = /^(Attention|MultiHeadAttention|EmbedLayerNormalization|SkipLayerNormalization|FastGelu|BiasGelu|SkipSimplifiedLayerNormalization)$/;

const fail = (what: string): never => {
  throw new UnsupportedGraphError(what);
};

/** Graph inputs a value reads as DATA (Shape nodes only read sizes and are not followed). */
function dataInputsOf(g: GraphView, v: string): Set<string> {
  return g.inputsOf(v, (n) => n.opType !== 'Shape');
}

const table2d = (g: GraphView, v: string, where: string): Tensor | null => {
  const t = g.tensor(v) ? weightTensor(g, v, where) : null;
  return t && t.shape.length === 2 ? t : null;
};

/** Strip Cast/Identity/Unsqueeze on the way back from a Gather index to a graph input. */
const indexInput = (g: GraphView, v: string): string => {
  let n = g.producer.get(v);
  while (n && ['Cast', 'Identity'].includes(n.opType!)) {
    v = n.input![0];
    n = g.producer.get(v);
  }
  return v;
};

interface Term {
  kind: 'position' | 'tokenType';
  position?: PositionSpec;
  positionFrom?: 'index' | 'cumsum';
  tokenType?: Tensor;
  tokenTypeInput?: string;
}

function sinusoid(g: GraphView, v: string): Term | null {
  let scale = 1;
  let n = g.prod(v);
  for (;;) {
    if (n?.opType === 'Mul' && g.scalar(n.input![1]) !== null) scale *= g.scalar(n.input![1])!;
    else if (n?.opType === 'Mul' && g.scalar(n.input![0]) !== null) scale *= g.scalar(n.input![0])!;
    else if (n?.opType === 'Add' && n.input![0] === n.input![1]) scale *= 2;
    else break;
    n = g.prod(n.opType === 'Mul' && g.scalar(n.input![1]) === null ? n.input![1] : n.input![0]);
  }
  if (n?.opType !== 'Concat' || n.input!.length !== 2) return null;
  const [a, b] = n.input!.map((i) => g.prod(i));
  if (!a || !b || a.input![0] !== b.input![0]) return null;
  const ops = `${a.opType},${b.opType}`;
  if (ops !== 'Sin,Cos' && ops !== 'Cos,Sin') return null;
  const angles = g.prod(a.input![0]);
  if (angles?.opType !== 'Mul') return null;
  const inv = angles.input!.map((i) => (g.tensor(i) ? weightTensor(g, i, 'embeddings') : null)).find((t) => t && t.data.length > 1);
  if (!inv) return null;
  const posV = angles.input!.find((i) => !g.tensor(i))!;
  let cumsum = false;
  const seen = new Set<string>();
  const stack = [posV];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    const p = g.producer.get(x);
    if (p?.opType === 'CumSum') cumsum = true;
    if (p) for (const i of p.input ?? []) if (i) stack.push(i);
  }
  return {
    kind: 'position',
    position: { kind: 'sinusoid', invTimescales: Float64Array.from(inv.data), order: ops === 'Sin,Cos' ? 'sin-cos' : 'cos-sin', scale },
    positionFrom: cumsum ? 'cumsum' : 'index',
  };
}

/** What a value added to the word embeddings is. */
function classifyTerm(g: GraphView, v: string, ids: string): Term {
  const n = g.prod(v);
  if (n?.opType === 'Gather' && g.attrInt(n, 'axis', 0) === 0) {
    const table = table2d(g, n.input![0], 'embeddings');
    if (table) {
      const fromInputs = [...dataInputsOf(g, n.input![1])];
      if (fromInputs.length === 1 && fromInputs[0] !== ids && indexInput(g, n.input![1]) === fromInputs[0]) {
        return { kind: 'tokenType', tokenType: table, tokenTypeInput: fromInputs[0] };
      }
      if (fromInputs.length === 0) {
        // Position ids: a constant arange (possibly sliced to the sequence length) or a Range from 0.
        const c = g.constNumbers(n.input![1]);
        let src = g.prod(n.input![1]);
        while (src && ['Slice', 'Expand', 'Unsqueeze', 'Cast'].includes(src.opType!)) {
          const inner = g.constNumbers(src.input![0]);
          if (inner) {
            if (!inner.every((x, i) => x === i)) fail(`embeddings: the position ids read by ${describeNode(n)} are not 0, 1, 2, ...`);
            if (src.opType === 'Slice' && g.scalar(src.input![1]) !== 0) fail(`embeddings: the position ids sliced by ${describeNode(src)} do not start at 0`);
            break;
          }
          src = g.prod(src.input![0]);
        }
        if (c && !c.every((x, i) => x === i)) fail(`embeddings: the constant position ids read by ${describeNode(n)} are not 0, 1, 2, ...`);
        if (src?.opType === 'Range' && g.scalar(src.input![0]) !== 0) fail(`embeddings: the position Range ${describeNode(src)} does not start at 0`);
        return { kind: 'position', position: { kind: 'learned', table }, positionFrom: 'index' };
      }
    }
  }
  if (n?.opType === 'Slice') {
    const table = table2d(g, n.input![0], 'embeddings');
    const start = g.scalar(n.input![1]);
    const axes = n.input![3] ? g.constNumbers(n.input![3]) : [0];
    if (table && start === 0 && axes && axes[0] === 0) return { kind: 'position', position: { kind: 'learned', table }, positionFrom: 'index' };
  }
  const s = sinusoid(g, v);
  if (s) return s;
  if (n?.opType === 'Gather' && dataInputsOf(g, n.input![1]).has(ids)) {
    fail(`embeddings: the position ids read by ${describeNode(n)} are computed from the token ids (RoBERTa-style, counting from the padding index); only positions 0, 1, 2, ... or cumsum(mask) - 1 are supported`);
  }
  return fail(`embeddings: the term added to the word embeddings by ${describeNode(n)} is not a position embedding (Slice/Gather of a table, or a Sin/Cos timing signal) or a token-type embedding (Gather on an input)`);
}

function readEmbeddings(g: GraphView) {
  // The token-id input: indexes the largest 2-D float table.
  let word: { gather: NodeProto; table: Tensor; input: string } | null = null;
  for (const input of g.inputs) {
    for (const n of g.nodes) {
      if (n.opType !== 'Gather' || indexInput(g, n.input![1]) !== input) continue;
      const table = table2d(g, n.input![0], 'embeddings');
      if (table && (!word || table.shape[0] > word.table.shape[0])) word = { gather: n, table, input };
    }
  }
  if (!word) fail(`embeddings: no Gather of a float32 table by a graph input (inputs: ${g.inputs.join(', ')})`);
  let v = word!.gather.output![0];
  let wordScale = 1;
  const terms: Term[] = [];
  for (;;) {
    const users = g.users(v);
    if (users.length !== 1) break;
    const n = users[0];
    if (terms.length === 0 && n.opType === 'Add' && n.input![0] === v && n.input![1] === v) wordScale *= 2;
    else if (terms.length === 0 && n.opType === 'Mul' && g.scalar(g.other(n, v) ?? '') !== null) wordScale *= g.scalar(g.other(n, v)!)!;
    else if (n.opType === 'Add' && g.other(n, v)) terms.push(classifyTerm(g, g.other(n, v)!, word!.input));
    else break;
    v = n.output![0];
  }
  const pos = terms.filter((t) => t.kind === 'position');
  const typ = terms.filter((t) => t.kind === 'tokenType');
  if (pos.length !== 1 && typ.length < 2) fail(`embeddings: expected one position term added to the word embeddings (${describeNode(word!.gather)}), found ${pos.length}`);
  if (typ.length > 1) fail(`embeddings: found ${typ.length} embeddings gathered by graph inputs (${typ.map((t) => t.tokenTypeInput).join(', ')}), expected at most one (token types); positions given as an input are not supported — they must be computed in the graph`);
  let norm = null;
  const ln = matchLayerNorm(g, v, 'embeddings');
  if (ln && ln.readers.length === g.users(v).length) {
    norm = ln.spec;
    v = ln.out;
  }
  const emb: EmbeddingSpec = {
    word: word!.table,
    wordScale,
    position: pos[0].position!,
    positionFrom: pos[0].positionFrom!,
    tokenType: typ[0]?.tokenType ?? null,
    norm,
  };
  return { emb, stream: v, inputIds: word!.input, tokenTypeIds: typ[0]?.tokenTypeInput ?? null };
}

/** The graph output a value is (directly or through Identity), or null. */
function outputName(g: GraphView, v: string): string | null {
  if (g.outputs.includes(v)) return v;
  const id = g.users(v).find((n) => n.opType === 'Identity' && g.outputs.includes(n.output![0]));
  return id ? id.output![0] : null;
}

/** Masked mean / max(count, floor) -> [linear -> Tanh]* -> optional L2, from the token states; null if absent. */
function readPooling(g: GraphView, tokens: string, maskInput: string): { spec: PoolingSpec; output: string } | null {
  const mul = g.users(tokens).find((n) => n.opType === 'Mul' && g.inputsOf(g.other(n, tokens) ?? '').has(maskInput));
  if (!mul) return null;
  const where = `pooling (from ${describeNode(mul)})`;
  const sum = g.users(mul.output![0]);
  if (sum.length !== 1 || sum[0].opType !== 'ReduceSum' || JSON.stringify(g.axes(sum[0])) !== '[1]') fail(`${where}: expected ReduceSum over the token axis of the masked states, found ${sum.map(describeNode).join(', ')}`);
  const div = g.users(sum[0].output![0]);
  if (div.length !== 1 || div[0].opType !== 'Div' || div[0].input![0] !== sum[0].output![0]) fail(`${where}: expected the masked sum divided by the token count, found ${div.map(describeNode).join(', ')}`);
  const cnt = g.prod(div[0].input![1]);
  let minCount: number | null = null;
  if (cnt?.opType === 'Max') minCount = g.scalar(cnt.input![1]) ?? g.scalar(cnt.input![0]);
  else if (cnt?.opType === 'Clip') minCount = g.scalar(cnt.input![1] ?? '') ?? g.attrFloat(cnt, 'min', NaN);
  if (minCount === null || Number.isNaN(minCount)) fail(`${where}: expected the token count floored by a constant (Max or Clip), found ${describeNode(cnt)}`);
  let e = div[0].output![0];
  const dense: LinearSpec[] = [];
  for (;;) {
    const users = g.users(e);
    const lin = users.length === 1 ? matchLinear(g, e, users[0], where) : null;
    if (!lin) break;
    const t = g.users(lin.out);
    if (t.length !== 1 || t[0].opType !== 'Tanh') fail(`${where}: expected Tanh after the pooling dense layer ${describeNode(lin.node)}, found ${t.map(describeNode).join(', ') || 'nothing'}`);
    dense.push(lin.spec);
    e = t[0].output![0];
  }
  let l2: PoolingSpec['l2'] = null;
  const out0 = outputName(g, e);
  if (!out0) {
    const users = g.users(e);
    const sq = users.find((n) => n.opType === 'Mul' && n.input![0] === e && n.input![1] === e);
    const dv = users.find((n) => n.opType === 'Div' && n.input![0] === e);
    const rs = sq && g.users(sq.output![0])[0];
    const mx = rs && rs.opType === 'ReduceSum' ? g.users(rs.output![0])[0] : undefined;
    const eps = mx?.opType === 'Max' ? g.scalar(g.other(mx, rs!.output![0]) ?? '') : null;
    const sqrt = mx && g.users(mx.output![0])[0];
    if (!dv || eps === null || sqrt?.opType !== 'Sqrt' || dv.input![1] !== sqrt.output![0]) {
      fail(`${where}: expected the pooled vector to be an output or L2-normalised (x / sqrt(max(sum x^2, eps))), found ${users.map(describeNode).join(', ')}`);
    }
    l2 = { eps: eps! };
    e = dv!.output![0];
  }
  const output = outputName(g, e);
  if (!output) fail(`${where}: the pooled vector is not a graph output (read by ${g.users(e).map(describeNode).join(', ')})`);
  return { spec: { kind: 'mean', minCount: minCount!, dense, l2 }, output: output! };
}

/** Read the encoder of `modelBytes` (an ONNX ModelProto). Throws UnsupportedGraphError on graphs it does not know. */
export function readEncoderSpec(modelBytes: Uint8Array): EncoderSpec {
  const g = new GraphView(modelBytes);
  const q = g.nodes.find((n) => QUANTIZED.test(n.opType!));
  if (q) fail(`${describeNode(q)} is a quantized op; the reader needs float32 weights (use the unquantized model.onnx)`);
  const f = g.nodes.find((n) => FUSED.test(n.opType!) && n.domain);
  if (f) fail(`${describeNode(f)} is an onnxruntime fused op (domain ${f.domain}); export the model without graph optimisation`);
  const { emb, stream, inputIds, tokenTypeIds } = readEmbeddings(g);
  const layers: EncoderLayerSpec[] = [];
  let v = stream;
  let mask: MaskInfo | null = null;
  while (outputName(g, v) === null) {
    if (layers.length > 256) fail('more than 256 layers: the residual stream never reaches a graph output');
    const final = layers.length > 0 ? matchLayerNorm(g, v, `after layer ${layers.length - 1}`) : null;
    if (final && outputName(g, final.out) !== null) fail(`after layer ${layers.length - 1}: a final LayerNorm (${describeNode(g.prod(final.out))}) before the token output is not supported by the encoder spec`);
    const L = readLayer(g, v, layers.length);
    if (mask && (mask.bias !== L.mask.bias || mask.input !== L.mask.input)) fail(`layer ${layers.length}: the mask bias (${L.mask.bias} from "${L.mask.input}") differs from layer 0's (${mask.bias} from "${mask.input}")`);
    mask = L.mask;
    layers.push(L.spec);
    v = L.out;
  }
  if (layers.length === 0 || !mask) fail(`the embeddings (${describeNode(g.prod(stream))}) are a graph output directly: no transformer layers found`);
  const norms = new Set(layers.map((l) => l.norm));
  if (norms.size !== 1) fail('the layers mix pre-LN and post-LN forms');
  const tokens = outputName(g, v)!;
  const pool = readPooling(g, g.outputs.includes(v) ? v : tokens, mask!.input);
  const last = layers[layers.length - 1];
  const maxTokens = emb.position.kind === 'learned' ? emb.position.table.shape[0] : mask!.clip;
  if (maxTokens === null) fail('embeddings: sinusoidal positions without a maximum length (no Less clip of the positions found)');
  const spec: EncoderSpec = {
    family: layers[0].norm === 'post' ? 'bert' : 'use-lite',
    vocabSize: emb.word.shape[0],
    embedWidth: emb.word.shape[1],
    hiddenSize: last.outWidth,
    maxTokens: maxTokens!,
    maskBias: mask!.bias,
    embeddings: emb,
    layers,
    pooling: pool?.spec ?? null,
    io: { inputIds, attentionMask: mask!.input, tokenTypeIds, tokens, pooled: pool?.output ?? null },
  };
  checkSpecShapes(spec);
  return spec;
}
