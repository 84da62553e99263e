// A small ONNX graph builder over the `onnx-proto` protobuf classes: declare inputs (symbolic dims allowed),
// initializers (typed arrays), nodes and outputs, then serialise a ModelProto (IR 8, default opset 17) to bytes.
// Design decision: every value is named by a string and checked when it is used — a node may only read a
// graph input, an initializer or an earlier node's output — so a wiring mistake fails here, with the node and
// the missing name, instead of as an opaque onnxruntime load error. Tensors are stored as little-endian raw_data.
// No Node imports: it runs in the browser (studio head export) as well as in the tools (tools/onnx re-exports it).
//
//   const g = new Graph('tiny');
//   const x = g.input('x', 'float', ['batch', 4]);
//   const w = g.initializer('w', new Float32Array(12), [4, 3]);
//   const y = g.node('Softmax', [g.node('MatMul', [x, w])], { axis: -1 }, 'probs');
//   g.output(y, 'float', ['batch', 3]);
//   const bytes = g.toBytes();          // Uint8Array, loadable by onnxruntime
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types this builder writes. */
export type ElemType = 'float' | 'int64' | 'int32' | 'bool' | 'float16' | 'double' | 'uint8' | 'int8';

/** A dimension: a fixed size, or a symbolic name such as "batch" (same name = same size). */
export type Dim = number | string;

/** Typed arrays accepted as tensor data (the element type is taken from the array unless given). */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;

/**
 * An attribute value. Plain numbers are typed by value: an integer is INT, anything else FLOAT (so write
 * `{ float: 1 }` for a float attribute that happens to be whole, e.g. `alpha: { float: 1 }`). Arrays likewise:
 * all-integer -> INTS, else FLOATS (`{ floats: [...] }` forces FLOATS). Strings are STRING, string[] STRINGS,
 * `{ tensor }` is a TENSOR attribute (e.g. Constant's `value`).
 */
export type AttrValue =
  | number
  | number[]
  | string
  | string[]
  | { float: number }
  | { floats: number[] }
  | { int: number }
  | { ints: number[] }
  | { tensor: { data: TensorData; dims: number[]; type?: ElemType } };

export type Attrs = Record<string, AttrValue>;

export interface ToModelOptions {
  /** Default-domain opset version (default 17). */
  opset?: number;
  /** ModelProto.producer_name (default "labeltune-tools"). */
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** ModelProto.metadata_props: free-form key/value strings carried in the file. */
  metadata?: Record<string, string>;
}

const ELEM_CODE: Record<ElemType, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  float16: onnx.TensorProto.DataType.FLOAT16,
  double: onnx.TensorProto.DataType.DOUBLE,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
};

const ELEM_BYTES: Record<ElemType, number> = {
  float: 4, int64: 8, int32: 4, bool: 1, float16: 2, double: 8, uint8: 1, int8: 1,
};

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('tools/onnx: this builder writes raw_data from typed arrays and needs a little-endian host');
}

function typeOfArray(data: TensorData): ElemType {
  if (data instanceof Float32Array) return 'float';
  if (data instanceof Float64Array) return 'double';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'float16';
  return 'uint8';
}

/** Build a TensorProto from a typed array (validated against dims and the element type). */
export function tensorProto(name: string, data: TensorData, dims: number[], type?: ElemType): InstanceType<typeof onnx.TensorProto> {
  const elem = type ?? typeOfArray(data);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`tensor "${name}": dims must be non-negative integers, got [${dims.join(', ')}]`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.byteLength !== count * ELEM_BYTES[elem]) {
    throw new Error(
      `tensor "${name}": dims [${dims.join(', ')}] of ${elem} need ${count * ELEM_BYTES[elem]} bytes, ` +
        `the data has ${data.byteLength} (${data.constructor.name} of length ${data.length})`,
    );
  }
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: ELEM_CODE[elem],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

function isIntegerList(xs: number[]): boolean {
  return xs.every((x) => Number.isInteger(x));
}

function attributeProto(node: string, name: string, v: AttrValue): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  const mk = (p: Record<string, unknown>) => onnx.AttributeProto.create({ name, ...p });
  if (typeof v === 'number') return Number.isInteger(v) ? mk({ type: T.INT, i: v }) : mk({ type: T.FLOAT, f: v });
  if (typeof v === 'string') return mk({ type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) {
    if (v.length === 0) throw new Error(`node "${node}": attribute "${name}" is an empty list; write { ints: [] } or { floats: [] }`);
    if (v.every((x) => typeof x === 'string')) return mk({ type: T.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) });
    const nums = v as number[];
    return isIntegerList(nums) ? mk({ type: T.INTS, ints: nums }) : mk({ type: T.FLOATS, floats: nums });
  }
  if ('float' in v) return mk({ type: T.FLOAT, f: v.float });
  if ('floats' in v) return mk({ type: T.FLOATS, floats: v.floats });
  if ('int' in v) {
    if (!Number.isInteger(v.int)) throw new Error(`node "${node}": attribute "${name}" { int: ${v.int} } is not an integer`);
    return mk({ type: T.INT, i: v.int });
  }
  if ('ints' in v) {
    if (!isIntegerList(v.ints)) throw new Error(`node "${node}": attribute "${name}" { ints } holds a non-integer`);
    return mk({ type: T.INTS, ints: v.ints });
  }
  if ('tensor' in v) return mk({ type: T.TENSOR, t: tensorProto(`${node}.${name}`, v.tensor.data, v.tensor.dims, v.tensor.type) });
  throw new Error(`node "${node}": attribute "${name}" has an unsupported value ${JSON.stringify(v)}`);
}

function valueInfo(name: string, type: ElemType, dims: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: ELEM_CODE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

/** An ONNX graph under construction. Names are global to the graph; each may be produced once. */
export class Graph {
  private readonly inputs: ReturnType<typeof valueInfo>[] = [];
  private readonly outputs: ReturnType<typeof valueInfo>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  /** Every name a node may read: graph inputs, initializers and node outputs so far. */
  private readonly defined = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(readonly name = 'graph') {}

  /** A fresh name `<prefix>_<n>` not used yet in this graph. */
  fresh(prefix: string): string {
    for (;;) {
      const n = this.counters.get(prefix) ?? 0;
      this.counters.set(prefix, n + 1);
      const candidate = `${prefix}_${n}`;
      if (!this.defined.has(candidate)) return candidate;
    }
  }

  private define(name: string, what: string): string {
    if (!name) throw new Error(`${what}: a value name must be a non-empty string`);
    if (this.defined.has(name)) throw new Error(`${what}: the name "${name}" is already defined in graph "${this.name}"`);
    this.defined.add(name);
    return name;
  }

  /** Declare a graph input; dims may be symbolic ("batch", "seq"). Returns its name. */
  input(name: string, type: ElemType, dims: Dim[]): string {
    this.define(name, `input "${name}"`);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Add a constant tensor (weights). The element type follows the array (Float32Array -> float, BigInt64Array -> int64, ...) unless given. */
  initializer(name: string, data: TensorData, dims: number[], type?: ElemType): string {
    this.define(name, `initializer "${name}"`);
    this.initializers.push(tensorProto(name, data, dims, type));
    return name;
  }

  /** A float32 constant with an automatic name (prefix "const"). Scalars: dims []. */
  constFloat(values: number[] | Float32Array, dims: number[] = [values.length], prefix = 'const'): string {
    return this.initializer(this.fresh(prefix), Float32Array.from(values), dims);
  }

  /** An int64 constant with an automatic name, e.g. a Reshape shape or Gather indices. */
  constInt64(values: number[], dims: number[] = [values.length], prefix = 'const'): string {
    return this.initializer(this.fresh(prefix), BigInt64Array.from(values.map((v) => BigInt(v))), dims);
  }

  /**
   * Add a node with one output and return the output's name (`output`, or `<opType>_<n>` when omitted).
   * An input name '' means "optional input left out" (ONNX convention).
   */
  node(opType: string, inputs: string[], attrs: Attrs = {}, output?: string): string {
    return this.nodeOutputs(opType, inputs, [output ?? this.fresh(opType)], attrs)[0];
  }

  /**
   * Add a node with several outputs: pass their names, or a count for automatic names. Returns the names.
   * ('' in outputs marks an optional output not produced.)
   */
  nodeOutputs(opType: string, inputs: string[], outputs: string[] | number, attrs: Attrs = {}): string[] {
    const nodeName = this.fresh(`${opType}_node`);
    for (const [i, inp] of inputs.entries()) {
      if (inp !== '' && !this.defined.has(inp)) {
        throw new Error(
          `node ${nodeName} (${opType}): input ${i} "${inp}" is not defined yet — declare it with input()/initializer() ` +
            'or produce it with an earlier node()',
        );
      }
    }
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : outputs;
    for (const o of outs) if (o !== '') this.define(o, `node ${nodeName} (${opType}) output`);
    this.nodes.push(
      onnx.NodeProto.create({
        name: nodeName,
        opType,
        input: inputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attributeProto(nodeName, k, v)),
      }),
    );
    return outs;
  }

  /** Declare a graph output (an existing value) with its type and dims. Returns its name. */
  output(name: string, type: ElemType, dims: Dim[]): string {
    if (!this.defined.has(name)) throw new Error(`output "${name}": no input, initializer or node produces this name`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`output "${name}" is declared twice`);
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Number of nodes so far. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The ModelProto (IR version 8). */
  toModel(opts: ToModelOptions = {}): InstanceType<typeof onnx.ModelProto> {
    if (this.outputs.length === 0) throw new Error(`graph "${this.name}" has no outputs: declare them with output()`);
    return onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: opts.opset ?? 17 }],
      producerName: opts.producerName ?? 'labeltune-tools',
      producerVersion: opts.producerVersion ?? '',
      docString: opts.docString ?? '',
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: onnx.GraphProto.create({
        name: this.name,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      }),
    });
  }

  /** The serialised model (protobuf bytes of a .onnx file). */
  toBytes(opts: ToModelOptions = {}): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(opts)).finish();
  }
}
