// A read-only index over a decoded ONNX graph for structural pattern matching (src/model/onnx-reader.ts):
// who produces and who consumes each value, constants (initializers and Constant nodes, seen through
// Identity/Cast), float32 weights as typed arrays, and the error type every mismatch throws.
// Design decision: weights are returned as Float32Array VIEWS into the model bytes whenever the raw data is
// 4-byte aligned (protobufjs decodes `bytes` fields as subarrays of the input), and copied only when they are
// not — so reading a 100 MB model does not double its memory. Callers must treat the arrays as read-only.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;

const DT = onnx.TensorProto.DataType;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A graph the reader does not recognise: `message` says what did not match and where (layer, node, op). */
export class UnsupportedGraphError extends Error {
  readonly code = 'UNSUPPORTED_GRAPH';
  constructor(message: string) {
    super(`unsupported encoder graph: ${message}`);
    this.name = 'UnsupportedGraphError';
  }
}

/** "Softmax node "name"" for messages. */
export const describeNode = (n: NodeProto | undefined | null): string =>
  n ? `${n.opType} node "${n.name || n.output?.[0] || '?'}"` : 'nothing (a graph input or constant)';

const FOLD: Record<string, (...a: number[]) => number> = {
  Sqrt: (a) => Math.sqrt(a),
  Reciprocal: (a) => 1 / a,
  Neg: (a) => -a,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Pow: (a, b) => a ** b,
};

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v as { toString(): string }));

/** Float32 data of a FLOAT tensor: a view when aligned, else a copy. Other types: null. */
export function floatTensorData(t: TensorProto): Float32Array | null {
  if (t.dataType !== DT.FLOAT) return null;
  const raw = t.rawData;
  if (raw && raw.byteLength > 0) {
    if (LITTLE_ENDIAN && raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    if (!LITTLE_ENDIAN) throw new UnsupportedGraphError('reading raw tensors needs a little-endian host');
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** Numeric values of a small constant tensor of any numeric type (int64 as numbers). */
export function tensorNumbers(t: TensorProto): number[] | null {
  const raw = t.rawData && t.rawData.byteLength > 0 ? t.rawData : null;
  const dv = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  switch (t.dataType) {
    case DT.FLOAT:
      return dv ? Array.from({ length: raw!.byteLength / 4 }, (_, i) => dv.getFloat32(i * 4, true)) : (t.floatData ?? []).map(num);
    case DT.DOUBLE:
      return dv ? Array.from({ length: raw!.byteLength / 8 }, (_, i) => dv.getFloat64(i * 8, true)) : (t.doubleData ?? []).map(num);
    case DT.INT64:
      return dv ? Array.from({ length: raw!.byteLength / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true))) : (t.int64Data ?? []).map(num);
    case DT.INT32:
      return dv ? Array.from({ length: raw!.byteLength / 4 }, (_, i) => dv.getInt32(i * 4, true)) : (t.int32Data ?? []).map(num);
    case DT.BOOL:
    case DT.UINT8:
      return raw ? Array.from(raw) : (t.int32Data ?? []).map(num);
    default:
      return null;
  }
}

export const tensorDims = (t: TensorProto): number[] => (t.dims ?? []).map(num);

/** The indexed graph. */
export class GraphView {
  readonly nodes: NodeProto[];
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly inits = new Map<string, TensorProto>();
  readonly inputs: string[];
  readonly outputs: string[];
  readonly opset: number;

  constructor(bytes: Uint8Array) {
    let model: InstanceType<typeof onnx.ModelProto>;
    try {
      model = onnx.ModelProto.decode(bytes);
    } catch (err) {
      throw new UnsupportedGraphError(`the bytes are not an ONNX model (${(err as Error).message})`);
    }
    const g = model.graph;
    if (!g) throw new UnsupportedGraphError('the model has no graph');
    this.opset = num(model.opsetImport?.find((o) => !o.domain)?.version ?? 0);
    this.nodes = g.node ?? [];
    for (const t of g.initializer ?? []) this.inits.set(t.name!, t);
    for (const n of this.nodes) {
      for (const o of n.output ?? []) if (o) this.producer.set(o, n);
      for (const i of n.input ?? []) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) {
          if (!list.includes(n)) list.push(n);
        }
        else this.consumers.set(i, [n]);
      }
    }
    this.inputs = (g.input ?? []).map((v) => v.name!).filter((n) => !this.inits.has(n));
    this.outputs = (g.output ?? []).map((v) => v.name!);
  }

  private readonly floatCache = new Map<TensorProto, Float32Array | null>();

  /** floatTensorData, once per initializer (matchers look at the same weight more than once). */
  floats(t: TensorProto): Float32Array | null {
    let d = this.floatCache.get(t);
    if (d === undefined) {
      d = floatTensorData(t);
      this.floatCache.set(t, d);
    }
    return d;
  }

  /** Consumers of a value, ignoring Shape nodes (they read only its size). */
  users(v: string): NodeProto[] {
    return (this.consumers.get(v) ?? []).filter((n) => n.opType !== 'Shape');
  }

  /** Follow Identity / Dropout (inference) nodes forward while a value has exactly one such user. */
  through(v: string): string {
    for (;;) {
      const u = this.users(v);
      if (u.length === 1 && (u[0].opType === 'Identity' || u[0].opType === 'Dropout')) v = u[0].output![0];
      else return v;
    }
  }

  /** The producer of v, looking back through Identity nodes. */
  prod(v: string): NodeProto | undefined {
    let n = this.producer.get(v);
    while (n && n.opType === 'Identity') n = this.producer.get(n.input![0]);
    return n;
  }

  /** The initializer behind a value (directly, or through Identity / a Constant node). */
  tensor(v: string): TensorProto | null {
    const seen = new Set<string>();
    while (!seen.has(v)) {
      seen.add(v);
      const t = this.inits.get(v);
      if (t) return t;
      const n = this.producer.get(v);
      if (!n) return null;
      if (n.opType === 'Identity') v = n.input![0];
      else if (n.opType === 'Constant') {
        const a = (n.attribute ?? []).find((x) => x.name === 'value');
        return a?.t ? { ...a.t, name: a.t.name || v } : null;
      } else return null;
    }
    return null;
  }

  /** Numeric values of a constant value (also Constant value_float(s)/value_int(s), through Cast/Identity). */
  constNumbers(v: string): number[] | null {
    const t = this.tensor(v);
    if (t) return tensorNumbers(t);
    const n = this.producer.get(v);
    if (!n) return null;
    if (n.opType === 'Cast' || n.opType === 'Identity') return this.constNumbers(n.input![0]);
    const fold = FOLD[n.opType!];
    if (fold) {
      // Fold scalar arithmetic on constants (exporters write e.g. Sqrt(1/sqrt(dh)) as nodes).
      const args = (n.input ?? []).map((i) => this.constNumbers(i));
      if (args.every((a) => a !== null && a.length === 1) && args.length === fold.length) return [fold(...args.map((a) => a![0]))];
      return null;
    }
    if (n.opType === 'Constant') {
      for (const a of n.attribute ?? []) {
        if (a.name === 'value_float') return [num(a.f)];
        if (a.name === 'value_floats') return (a.floats ?? []).map(num);
        if (a.name === 'value_int') return [num(a.i)];
        if (a.name === 'value_ints') return (a.ints ?? []).map(num);
      }
    }
    return null;
  }

  /** A constant holding one number (any shape with one element), else null. */
  scalar(v: string): number | null {
    const c = this.constNumbers(v);
    return c && c.length === 1 ? c[0] : null;
  }

  attr(n: NodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
    return (n.attribute ?? []).find((a) => a.name === name);
  }

  attrInt(n: NodeProto, name: string, dflt: number): number {
    const a = this.attr(n, name);
    return a ? num(a.i) : dflt;
  }

  attrFloat(n: NodeProto, name: string, dflt: number): number {
    const a = this.attr(n, name);
    return a ? num(a.f) : dflt;
  }

  attrInts(n: NodeProto, name: string): number[] | null {
    const a = this.attr(n, name);
    return a ? (a.ints ?? []).map(num) : null;
  }

  /** Reduction axes: the `axes` attribute (older opsets) or the constant second input. */
  axes(n: NodeProto): number[] | null {
    return this.attrInts(n, 'axes') ?? (n.input?.[1] ? this.constNumbers(n.input[1]) : null);
  }

  /** The graph inputs a value depends on (walking back through every node, or those `follow` accepts). */
  inputsOf(v: string, follow: (n: NodeProto) => boolean = () => true): Set<string> {
    const found = new Set<string>();
    const seen = new Set<string>();
    const stack = [v];
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      if (this.inputs.includes(x)) found.add(x);
      const n = this.producer.get(x);
      if (n && follow(n)) for (const i of n.input ?? []) if (i) stack.push(i);
    }
    return found;
  }

  /** The input of `n` that is not `v` (binary ops), or null. */
  other(n: NodeProto, v: string): string | null {
    const ins = n.input ?? [];
    if (ins.length !== 2) return null;
    if (ins[0] === v) return ins[1];
    if (ins[1] === v) return ins[0];
    return null;
  }
}
