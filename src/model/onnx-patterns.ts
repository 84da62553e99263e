// Small structural matchers over a GraphView (src/model/onnx-graph-view.ts), the building blocks of
// src/model/onnx-reader.ts: a linear layer (MatMul [+ Add] or Gemm), a layer norm (the LayerNormalization op or
// its decomposed ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add form), the elementwise activation between
// two linears, and walks through reshapes that collect constant scale factors.
// Design decision: the activation is identified by EVALUATING its elementwise subgraph at probe points and
// comparing with exact GELU / ReLU, not by matching one op order — exporters write x*0.5*(1+erf(x/sqrt2)) in
// several orders and constant forms, and all of them are the same function.
import type { LayerNormSpec, LinearSpec, Tensor } from './spec';
import { describeNode, GraphView, tensorDims, UnsupportedGraphError, type NodeProto } from './onnx-graph-view';

/** A float weight initializer as a Tensor (whole, or the column slice [c0, c0 + cols) of a 2-D / 1-D one). */
export function weightTensor(g: GraphView, v: string, where: string, cols?: { start: number; count: number }): Tensor | null {
  const t = g.tensor(v);
  if (!t) return null;
  const data = g.floats(t);
  if (!data) throw new UnsupportedGraphError(`${where}: weight "${t.name}" has ONNX data type ${t.dataType}, expected float32 (quantized or float16 models are not supported; use the float32 model.onnx)`);
  const dims = tensorDims(t);
  const name = t.name || v;
  if (!cols || (cols.start === 0 && cols.count === dims[dims.length - 1])) return { data, shape: dims, source: { name, dims } };
  const { start, count } = cols;
  if (dims.length === 1) return { data: data.slice(start, start + count), shape: [count], source: { name, dims, colStart: start, cols: count } };
  const [rows, all] = dims;
  const out = new Float32Array(rows * count);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * all + start, r * all + start + count), r * count);
  return { data: out, shape: [rows, count], source: { name, dims, colStart: start, cols: count } };
}

export interface LinearMatch {
  spec: LinearSpec;
  /** The output value. */
  out: string;
  /** The first node (the one reading the input). */
  node: NodeProto;
}

function transposed(t: Tensor): Tensor {
  const [o, i] = t.shape;
  const d = new Float32Array(o * i);
  for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) d[c * o + r] = t.data[r * i + c];
  return { data: d, shape: [i, o], source: { ...t.source, transposed: true } };
}

/** y = x W (+ b) starting at node n (a user of x), or null when n is not a float linear layer on x. */
export function matchLinear(g: GraphView, x: string, n: NodeProto, where: string): LinearMatch | null {
  const ins = n.input ?? [];
  if (n.opType === 'Gemm') {
    if (ins[0] !== x || g.attrInt(n, 'transA', 0) !== 0 || g.attrFloat(n, 'alpha', 1) !== 1 || g.attrFloat(n, 'beta', 1) !== 1) return null;
    let W = weightTensor(g, ins[1], where);
    if (!W || W.shape.length !== 2) return null;
    if (g.attrInt(n, 'transB', 0) === 1) W = transposed(W);
    const b = ins[2] ? weightTensor(g, ins[2], where) : null;
    return { spec: { W, b, in: W.shape[0], out: W.shape[1] }, out: n.output![0], node: n };
  }
  if (n.opType !== 'MatMul' || ins[0] !== x) return null;
  const W = weightTensor(g, ins[1], where);
  if (!W || W.shape.length !== 2) return null;
  const mm = n.output![0];
  const users = g.users(mm);
  if (users.length === 1 && users[0].opType === 'Add') {
    const other = g.other(users[0], mm);
    const b = other ? weightTensor(g, other, where) : null;
    if (b && b.shape.length === 1 && b.shape[0] === W.shape[1]) return { spec: { W, b, in: W.shape[0], out: W.shape[1] }, out: users[0].output![0], node: n };
  }
  return { spec: { W, b: null, in: W.shape[0], out: W.shape[1] }, out: mm, node: n };
}

/** All linear layers reading x. */
export function linearsOn(g: GraphView, x: string, where: string): LinearMatch[] {
  return g.users(x).map((n) => matchLinear(g, x, n, where)).filter((m): m is LinearMatch => m !== null);
}

export interface LayerNormMatch {
  spec: LayerNormSpec;
  out: string;
  /** Nodes that read x directly (1 for the op, 2 for the decomposed form). */
  readers: NodeProto[];
}

const lastAxis = (axes: number[] | null) => axes !== null && axes.length === 1 && (axes[0] === -1 || axes[0] === 2);

function affine(g: GraphView, v: string, where: string): { gamma: Tensor; beta: Tensor; out: string } | null {
  const mul = g.users(v);
  if (mul.length !== 1 || mul[0].opType !== 'Mul') return null;
  const gamma = weightTensor(g, g.other(mul[0], v) ?? '', where);
  const add = g.users(mul[0].output![0]);
  if (!gamma || add.length !== 1 || add[0].opType !== 'Add') return null;
  const beta = weightTensor(g, g.other(add[0], mul[0].output![0]) ?? '', where);
  return beta ? { gamma, beta, out: add[0].output![0] } : null;
}

/** A layer norm over the last axis reading x, or null. */
export function matchLayerNorm(g: GraphView, x: string, where: string): LayerNormMatch | null {
  const users = g.users(x);
  for (const n of users) {
    if (n.opType === 'LayerNormalization' && n.input![0] === x) {
      const axis = g.attrInt(n, 'axis', -1);
      if (axis !== -1 && axis !== 2) throw new UnsupportedGraphError(`${where}: ${describeNode(n)} normalises axis ${axis}, expected the last axis`);
      const gamma = weightTensor(g, n.input![1], where);
      const beta = n.input![2] ? weightTensor(g, n.input![2], where) : null;
      if (!gamma || !beta) throw new UnsupportedGraphError(`${where}: ${describeNode(n)} has no constant scale and bias`);
      return { spec: { gamma, beta, eps: g.attrFloat(n, 'epsilon', 1e-5) }, out: n.output![0], readers: [n] };
    }
  }
  // Decomposed: d = x - mean(x); y = d / sqrt(mean(d^2) + eps) * gamma + beta.
  const mean = users.find((n) => n.opType === 'ReduceMean' && lastAxis(g.axes(n)));
  if (!mean) return null;
  const sub = users.find((n) => n.opType === 'Sub' && n.input![0] === x && n.input![1] === mean.output![0]);
  if (!sub) return null;
  const d = sub.output![0];
  const du = g.users(d);
  const sq = du.find((n) => (n.opType === 'Pow' && n.input![0] === d && g.scalar(n.input![1]) === 2) || (n.opType === 'Mul' && n.input![0] === d && n.input![1] === d));
  const div = du.find((n) => n.opType === 'Div' && n.input![0] === d);
  const fail = (what: string): never => {
    throw new UnsupportedGraphError(`${where}: a decomposed LayerNorm starting at ${describeNode(mean)} ${what}`);
  };
  if (!sq || !div || du.length !== 2) fail(`does not square and divide x - mean (users of ${describeNode(sub)}: ${du.map((n) => n.opType).join(', ')})`);
  const m2 = g.users(sq!.output![0]);
  if (m2.length !== 1 || m2[0].opType !== 'ReduceMean' || !lastAxis(g.axes(m2[0]))) fail('has no ReduceMean of the squares over the last axis');
  const addEps = g.users(m2[0].output![0]);
  const eps = addEps.length === 1 && addEps[0].opType === 'Add' ? g.scalar(g.other(addEps[0], m2[0].output![0]) ?? '') : null;
  if (eps === null) fail('has no constant epsilon added to the variance');
  const sqrt = g.users(addEps[0].output![0]);
  if (sqrt.length !== 1 || sqrt[0].opType !== 'Sqrt' || div!.input![1] !== sqrt[0].output![0]) fail('does not divide by sqrt(variance + eps)');
  const aff = affine(g, div!.output![0], where);
  if (!aff) fail('is not followed by a constant scale (Mul) and bias (Add)');
  return { spec: { gamma: aff!.gamma, beta: aff!.beta, eps: eps! }, out: aff!.out, readers: [mean, sub] };
}

// ---- the activation between ffnIn and ffnOut ------------------------------------------------------------------

const ELEMENTWISE = new Set(['Mul', 'Div', 'Add', 'Sub', 'Pow', 'Sqrt', 'Erf', 'Tanh', 'Relu', 'Sigmoid', 'Neg', 'Identity', 'Cast', 'Gelu', 'Exp', 'Abs', 'Max', 'Min']);

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26 is too coarse; this uses the series / continued fraction split). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 60; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (a + f);
  return s * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f));
}

const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

function evalOp(op: string, a: number[], n: NodeProto, g: GraphView): number {
  const [x, y] = a;
  switch (op) {
    case 'Mul': return x * y;
    case 'Div': return x / y;
    case 'Add': return x + y;
    case 'Sub': return x - y;
    case 'Pow': return x ** y;
    case 'Sqrt': return Math.sqrt(x);
    case 'Erf': return erf(x);
    case 'Tanh': return Math.tanh(x);
    case 'Relu': return Math.max(0, x);
    case 'Sigmoid': return 1 / (1 + Math.exp(-x));
    case 'Neg': return -x;
    case 'Exp': return Math.exp(x);
    case 'Abs': return Math.abs(x);
    case 'Max': return Math.max(...a);
    case 'Min': return Math.min(...a);
    case 'Gelu': {
      const approx = g.attr(n, 'approximate');
      return approx && new TextDecoder().decode(approx.s ?? new Uint8Array()) === 'tanh' ? geluTanh(x) : gelu(x);
    }
    default: return x; // Identity, Cast
  }
}

/**
 * The activation applied to u before the next linear layer: walks u's elementwise users up to the one
 * MatMul/Gemm they feed, evaluates that subgraph at probe points and names the function.
 */
export function matchActivation(g: GraphView, u: string, where: string): { activation: 'gelu' | 'relu'; out: string } {
  const sub: NodeProto[] = [];
  const inSub = new Set<string>([u]);
  const ends: NodeProto[] = [];
  const queue = [u];
  const seen = new Set<NodeProto>();
  while (queue.length) {
    const v = queue.shift()!;
    for (const n of g.users(v)) {
      if (seen.has(n)) continue;
      seen.add(n);
      if (n.opType === 'MatMul' || n.opType === 'Gemm') {
        ends.push(n);
        continue;
      }
      if (!ELEMENTWISE.has(n.opType!)) {
        const hint = /Integer|Quantize|QLinear/.test(n.opType!) ? ' (quantized models are not supported; use the float32 model.onnx)' : '';
        throw new UnsupportedGraphError(`${where}: the FFN activation contains ${describeNode(n)}, which is not an elementwise op the reader knows (GELU or ReLU expected)${hint}`);
      }
      sub.push(n);
      for (const o of n.output ?? []) {
        inSub.add(o);
        queue.push(o);
      }
    }
  }
  if (ends.length !== 1) throw new UnsupportedGraphError(`${where}: expected the FFN activation to feed one MatMul, found ${ends.length} (${ends.map(describeNode).join(', ') || 'none'})`);
  const out = ends[0].input![0];
  if (!inSub.has(out)) throw new UnsupportedGraphError(`${where}: ${describeNode(ends[0])} does not read the FFN activation as its first input`);
  const order = g.nodes.filter((n) => sub.includes(n));
  const evaluate = (x: number): number => {
    const vals = new Map<string, number>([[u, x]]);
    for (const n of order) {
      const args = (n.input ?? []).filter((i) => i !== '').map((i) => {
        if (vals.has(i)) return vals.get(i)!;
        const c = g.scalar(i);
        if (c === null) throw new UnsupportedGraphError(`${where}: the FFN activation's ${describeNode(n)} reads "${i}", which is neither the activation's input nor a scalar constant`);
        return c;
      });
      vals.set(n.output![0], evalOp(n.opType!, args, n, g));
    }
    return vals.get(out)!;
  };
  const probes = [-3.1, -1.3, -0.4, 0, 0.3, 0.9, 2.2, 4.5];
  const ys = probes.map(evaluate);
  const near = (f: (x: number) => number, tol: number) => probes.every((x, i) => Math.abs(ys[i] - f(x)) <= tol * (1 + Math.abs(f(x))));
  if (near(gelu, 1e-5)) return { activation: 'gelu', out };
  if (near((x) => Math.max(0, x), 1e-7)) return { activation: 'relu', out };
  const ops = order.map((n) => n.opType).join(', ') || 'identity';
  if (near(geluTanh, 1e-5)) throw new UnsupportedGraphError(`${where}: the FFN activation is the tanh-approximated GELU (ops ${ops}); only exact (erf) GELU and ReLU are supported`);
  throw new UnsupportedGraphError(`${where}: the FFN activation (ops ${ops}, from ${describeNode(order[0] ?? ends[0])}) is neither GELU (erf) nor ReLU`);
}

// ---- walks through reshapes, collecting constant factors --------------------------------------------------------

export interface Walk {
  /** The value the walk stopped at (input of `end`). */
  last: string;
  /** The first node that is not a reshape or a constant scale. */
  end: NodeProto | null;
  /** Product of constant Mul factors and 1 / constant Div divisors along the way. */
  factor: number;
  /** Reshape target shapes seen (for head counts). */
  reshapes: NodeProto[];
  perms: number[][];
}

const MOVES = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity']);

/** Follow v's single user through reshapes / transposes / scalar Mul and Div until another op. */
export function walkForward(g: GraphView, v: string): Walk {
  let factor = 1;
  const reshapes: NodeProto[] = [];
  const perms: number[][] = [];
  for (;;) {
    const users = g.users(v);
    if (users.length !== 1) return { last: v, end: null, factor, reshapes, perms };
    const n = users[0];
    if (MOVES.has(n.opType!) && n.input![0] === v) {
      if (n.opType === 'Reshape') reshapes.push(n);
      if (n.opType === 'Transpose') perms.push(g.attrInts(n, 'perm') ?? []);
    } else if ((n.opType === 'Mul' || n.opType === 'Div') && g.scalar(g.other(n, v) ?? '') !== null && (n.opType === 'Mul' || n.input![0] === v)) {
      const c = g.scalar(g.other(n, v)!)!;
      factor *= n.opType === 'Mul' ? c : 1 / c;
    } else return { last: v, end: n, factor, reshapes, perms };
    v = n.output![0];
  }
}

/** Heads and head size from a Reshape to (..., H, dh) (constant shape, or a Concat ending in two constants). */
export function headsFromReshape(g: GraphView, r: NodeProto | undefined, width: number): { heads: number; headDim: number } | null {
  if (!r) return null;
  let shape = g.constNumbers(r.input![1]);
  if (!shape) {
    const cat = g.prod(r.input![1]);
    if (cat?.opType === 'Concat') {
      const tail = cat.input!.slice(-2).map((i) => g.scalar(i));
      if (tail.every((x) => x !== null)) shape = tail as number[];
    }
  }
  if (!shape || shape.length < 2) return null;
  let [H, dh] = shape.slice(-2);
  if (dh === -1 && H > 0) dh = width / H;
  if (H === -1 && dh > 0) H = width / dh;
  return H > 0 && dh > 0 && H * dh === width ? { heads: H, headDim: dh } : null;
}
