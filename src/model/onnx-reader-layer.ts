// One transformer layer read from the residual stream of an ONNX graph (used by src/model/onnx-reader.ts).
// From the layer's input x it follows the dataflow: [pre-LN: LayerNorm(x) ->] q/k/v linears (three, or one
// fused linear + Split into column slices) -> per-head reshapes -> scores MatMul -> constant scale(s) -> mask
// bias Add -> Softmax -> context MatMul -> merge heads -> output linear -> residual Add (x or a linear skip of x)
// -> [post: LayerNorm] -> FFN linear -> activation -> linear -> residual Add -> [post: LayerNorm].
// Design decision: q, k and v are told apart by WHERE they flow (k is the scores MatMul's right operand, v the
// context MatMul's), and the attention scale is the product of every constant Mul/Div on the q path, the k path
// and the scores (exporters put 1/sqrt(dh) on q, on the scores, or sqrt of it on both).
import type { EncoderLayerSpec, LayerNormSpec, LinearSpec } from './spec';
import { describeNode, GraphView, UnsupportedGraphError } from './onnx-graph-view';
import { headsFromReshape, linearsOn, matchActivation, matchLayerNorm, matchLinear, walkForward, weightTensor, type LinearMatch, type Walk } from './onnx-patterns';

export interface MaskInfo {
  /** Added to the scores of padded keys. */
  bias: number;
  /** The graph input the mask comes from. */
  input: string;
  /** A constant the positions are compared with (Less): tokens at or past it are masked out (USE-lite). */
  clip: number | null;
}

export interface LayerMatch {
  spec: EncoderLayerSpec;
  out: string;
  mask: MaskInfo;
}

const fail = (where: string, what: string): never => {
  throw new UnsupportedGraphError(`${where}: ${what}`);
};

const usersText = (g: GraphView, v: string) => g.users(v).map(describeNode).join(', ') || 'no users';

const quantHint = (g: GraphView, v: string) =>
  g.users(v).some((n) => /Integer|Quantize|QLinear/.test(n.opType!)) ? ' (the graph is quantized: use the float32 model.onnx)' : '';

/** The additive key-mask bias: c * (1 - mask) or c * (mask - 1), broadcast by reshapes. */
export function readMaskBias(g: GraphView, bias: string, where: string): MaskInfo {
  let v = bias;
  let n = g.producer.get(v);
  while (n && ['Unsqueeze', 'Reshape', 'Expand', 'Cast', 'Identity'].includes(n.opType!)) {
    v = n.input![0];
    n = g.producer.get(v);
  }
  if (n?.opType === 'Where') {
    // Where(cond, c, 1 - mask): c on padded keys, 0 on kept ones (transformers' SDPA mask).
    const c = g.scalar(n.input![1]);
    const rest = g.prod(n.input![2]);
    const ins = [...g.inputsOf(bias)];
    if (c === null || rest?.opType !== 'Sub' || g.scalar(rest.input![0]) !== 1 || ins.length !== 1) {
      fail(where, `the mask bias ${describeNode(n)} is not Where(padded, constant, 1 - mask)`);
    }
    return { bias: c!, input: ins[0], clip: null };
  }
  if (!n || n.opType !== 'Mul') fail(where, `expected the mask bias added to the scores to be a constant times (1 - mask), found ${describeNode(n)}`);
  const c0 = g.scalar(n!.input![0]);
  const c1 = g.scalar(n!.input![1]);
  const c = c1 ?? c0;
  const m = c1 !== null ? n!.input![0] : n!.input![1];
  const sub = g.prod(m);
  if (c === null || !sub || sub.opType !== 'Sub') fail(where, `the mask bias ${describeNode(n)} is not a constant times (1 - mask) (found ${describeNode(sub)})`);
  const one0 = g.scalar(sub!.input![0]);
  const one1 = g.scalar(sub!.input![1]);
  let biasValue: number;
  if (one0 === 1) biasValue = c!;
  else if (one1 === 1) biasValue = -c!;
  else return fail(where, `the mask bias ${describeNode(sub)} is not 1 - mask or mask - 1`);
  const ins = [...g.inputsOf(bias)];
  if (ins.length !== 1) fail(where, `the mask bias depends on ${ins.length} graph inputs (${ins.join(', ')}), expected the attention mask only`);
  // A clip of positions (Less against a constant) on the way from the mask input.
  let clip: number | null = null;
  const seen = new Set<string>();
  const stack = [bias];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    const p = g.producer.get(x);
    if (!p) continue;
    if (p.opType === 'Less') clip = g.scalar(p.input![1]);
    for (const i of p.input ?? []) if (i) stack.push(i);
  }
  return { bias: biasValue, input: ins[0], clip };
}

interface Projection {
  lin: LinearSpec;
  walk: Walk;
  /** Column slice of a fused linear. */
  value: string;
}

/** q/k/v candidates: each linear on h, or the outputs of a Split of one fused linear (column slices). */
function projections(g: GraphView, lins: LinearMatch[], where: string): Projection[] {
  const out: Projection[] = [];
  for (const m of lins) {
    const users = g.users(m.out);
    if (users.length === 1 && users[0].opType === 'Split') {
      const split = users[0];
      const axis = g.attrInt(split, 'axis', 0);
      if (axis !== -1 && axis !== 2) fail(where, `${describeNode(split)} splits axis ${axis}, expected the last axis`);
      const parts = split.output!.length;
      const sizes = g.attrInts(split, 'split') ?? (split.input![1] ? g.constNumbers(split.input![1]) : null) ?? Array(parts).fill(m.spec.out / parts);
      let start = 0;
      split.output!.forEach((value, i) => {
        const cols = { start, count: sizes[i] };
        start += sizes[i];
        const W = weightTensor(g, m.node.input![1], where, cols)!;
        const b = m.spec.b ? sliceBias(m.spec, cols) : null;
        out.push({ lin: { W, b, in: m.spec.in, out: sizes[i] }, walk: walkForward(g, value), value });
      });
    } else out.push({ lin: m.spec, walk: walkForward(g, m.out), value: m.out });
  }
  return out;
}

function sliceBias(l: LinearSpec, cols: { start: number; count: number }) {
  const b = l.b!;
  return { data: b.data.slice(cols.start, cols.start + cols.count), shape: [cols.count], source: { ...b.source, colStart: cols.start, cols: cols.count } };
}

/** Read the layer whose input (residual stream) is x. */
export function readLayer(g: GraphView, x: string, index: number): LayerMatch {
  const where = `layer ${index}`;
  const lnx = matchLayerNorm(g, x, where);
  const pre = lnx !== null && linearsOn(g, lnx.out, where).length > 0;
  const h = pre ? lnx!.out : x;
  const hl = linearsOn(g, h, where).filter((m) => !pre || m.node.input![0] === h);
  if (hl.length === 0) fail(where, `expected the q/k/v projections (MatMul with a float32 weight) reading ${pre ? 'the normalised ' : ''}layer input "${h}", found ${usersText(g, h)}${quantHint(g, h)}`);
  const cands = projections(g, hl, where);
  // Classify by where each projection flows: the MatMul that two projections feed is the scores (q left, k
  // right); a projection feeding the right side of another MatMul is v.
  let q: Projection | undefined;
  let k: Projection | undefined;
  let v: Projection | undefined;
  const ended = cands.filter((c) => c.walk.end?.opType === 'MatMul');
  for (const c of ended) {
    const e = c.walk.end!;
    const partner = ended.find((o) => o !== c && o.walk.end === e);
    if (partner && e.input![0] === c.walk.last && e.input![1] === partner.walk.last) {
      q = c;
      k = partner;
    }
  }
  v = ended.find((c) => c !== q && c !== k && c.walk.end!.input![1] === c.walk.last);
  if (!q || !k || !v) {
    const desc = cands.map((c) => `${describeNode(g.producer.get(c.value))} -> ${describeNode(c.walk.end)}`).join('; ');
    fail(where, `expected three projections of the layer input flowing into the scores MatMul (q, k) and the context MatMul (v); found ${q ? '' : 'no q '}${k ? '' : 'no k '}${v ? '' : 'no v '}(${desc})`);
  }
  const scoresMM = q!.walk.end!;
  const width = q!.lin.out;
  const hd = headsFromReshape(g, q!.walk.reshapes[0], width);
  if (!hd) fail(where, `could not read the head count from the reshape of q (${describeNode(q!.walk.reshapes[0])})`);
  const sw = walkForward(g, scoresMM.output![0]);
  let maskInfo: MaskInfo | null = null;
  let softmax = sw.end;
  let scale = q!.walk.factor * k!.walk.factor * sw.factor;
  if (softmax?.opType === 'Add') {
    const bias = g.other(softmax, sw.last);
    if (!bias) fail(where, `${describeNode(softmax)} after the scores does not read them`);
    maskInfo = readMaskBias(g, bias!, where);
    const after = walkForward(g, softmax.output![0]);
    scale *= after.factor;
    softmax = after.end;
  } else if (softmax?.opType === 'Where' && softmax.input![2] === sw.last && g.scalar(softmax.input![1]) !== null) {
    // masked_fill(padded, c): the padded keys' scores are replaced by c (DistilBERT); same probabilities as
    // adding c when c is very negative.
    const c = g.scalar(softmax.input![1])!;
    const ins = [...g.inputsOf(softmax.input![0])];
    if (ins.length !== 1) fail(where, `the masked_fill ${describeNode(softmax)} condition depends on ${ins.length} graph inputs (${ins.join(', ')}), expected the attention mask only`);
    if (c > -1e4) fail(where, `the masked_fill ${describeNode(softmax)} writes ${c} into padded scores; expected a large negative constant`);
    maskInfo = { bias: c, input: ins[0], clip: null };
    const after = walkForward(g, softmax.output![0]);
    scale *= after.factor;
    softmax = after.end;
  }
  if (!softmax || softmax.opType !== 'Softmax') fail(where, `expected Softmax after the attention scores (${describeNode(scoresMM)}), found ${describeNode(softmax)}`);
  if (!maskInfo) fail(where, `no attention-mask bias is added to the scores before ${describeNode(softmax)}`);
  const axis = g.attrInt(softmax!, 'axis', -1);
  if (axis !== -1 && axis !== 3) fail(where, `${describeNode(softmax)} normalises axis ${axis}, expected the key axis (-1)`);
  const pw = walkForward(g, softmax!.output![0]);
  if (pw.end !== v!.walk.end || pw.end!.input![0] !== pw.last) fail(where, `expected the attention probabilities of ${describeNode(softmax)} to multiply v, found ${describeNode(pw.end)}`);
  const cw = walkForward(g, v!.walk.end!.output![0]);
  const attnOut = cw.end ? matchLinear(g, cw.last, cw.end, where) : null;
  if (!attnOut) fail(where, `expected the attention output projection after merging the heads, found ${describeNode(cw.end)}${quantHint(g, cw.last)}`);

  // Residual after attention.
  const resUsers = g.users(attnOut!.out);
  if (resUsers.length !== 1 || resUsers[0].opType !== 'Add') fail(where, `expected the residual Add after the attention output ${describeNode(attnOut!.node)}, found ${usersText(g, attnOut!.out)}`);
  const add1 = resUsers[0];
  const skipV = g.other(add1, attnOut!.out);
  let skip: LinearSpec | null = null;
  if (skipV !== x) {
    const m = pre ? linearsOn(g, x, where).find((l) => l.out === skipV) : undefined;
    if (!m) fail(where, `the residual ${describeNode(add1)} adds "${skipV}", which is neither the layer input nor ${pre ? 'a linear map of it' : 'allowed in a post-LN layer'}`);
    skip = m!.spec;
  }
  let ln1Spec: LayerNormSpec;
  let ln2Pre: LayerNormSpec | null = null;
  let ffnIn: string;
  let resid2: string;
  if (pre) {
    ln1Spec = lnx!.spec;
    resid2 = add1.output![0];
    const ln2 = matchLayerNorm(g, resid2, where);
    if (!ln2) fail(where, `expected the FFN LayerNorm after the attention residual ${describeNode(add1)}, found ${usersText(g, resid2)}`);
    ffnIn = ln2!.out;
    ln2Pre = ln2!.spec;
  } else {
    const ln1 = matchLayerNorm(g, add1.output![0], where);
    if (!ln1) fail(where, `expected LayerNorm after the attention residual ${describeNode(add1)}, found ${usersText(g, add1.output![0])}`);
    ln1Spec = ln1!.spec;
    ffnIn = ln1!.out;
    resid2 = ln1!.out;
  }
  const up = linearsOn(g, ffnIn, where);
  if (up.length !== 1) fail(where, `expected one FFN input linear reading "${ffnIn}", found ${usersText(g, ffnIn)}${quantHint(g, ffnIn)}`);
  const act = matchActivation(g, up[0].out, where);
  const downNode = g.users(act.out).find((n) => n.opType === 'MatMul' || n.opType === 'Gemm');
  const down = downNode ? matchLinear(g, act.out, downNode, where) : null;
  if (!down) fail(where, `expected the FFN output linear after the activation, found ${usersText(g, act.out)}${quantHint(g, act.out)}`);
  const r2 = g.users(down!.out);
  if (r2.length !== 1 || r2[0].opType !== 'Add' || g.other(r2[0], down!.out) !== resid2) {
    fail(where, `expected the FFN residual Add of ${describeNode(down!.node)} and "${resid2}", found ${usersText(g, down!.out)}`);
  }
  let out = r2[0].output![0];
  let ln2Spec: LayerNormSpec;
  if (pre) ln2Spec = ln2Pre!;
  else {
    const ln2 = matchLayerNorm(g, out, where);
    if (!ln2) fail(where, `expected LayerNorm after the FFN residual ${describeNode(r2[0])}, found ${usersText(g, out)}`);
    ln2Spec = ln2!.spec;
    out = ln2!.out;
  }
  const spec: EncoderLayerSpec = {
    norm: pre ? 'pre' : 'post',
    inWidth: q!.lin.in,
    outWidth: attnOut!.spec.out,
    heads: hd!.heads,
    headDim: hd!.headDim,
    scale,
    q: q!.lin,
    k: k!.lin,
    v: v!.lin,
    attnOut: attnOut!.spec,
    skip,
    ln1: ln1Spec,
    ffnIn: up[0].spec,
    activation: act.activation,
    ffnOut: down!.spec,
    ln2: ln2Spec,
  };
  return { spec, out, mask: maskInfo! };
}
