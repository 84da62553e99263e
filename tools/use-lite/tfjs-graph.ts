// Reads a TF.js graph model from disk: model.json (GraphDef-style node list + weight manifest) and its binary
// weight shards, and gives typed access to nodes, their inputs and constant tensors.
// Design decision: constants are resolved *through the graph* — a caller asks for "input 1 of node X as a
// constant" rather than naming a weight — so the converter reads every number from the wiring that uses it, and
// an unexpected op or shape fails here with the node's name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TfNode {
  name: string;
  op: string;
  /** Input names as written in model.json (may carry an output index, "name:1"; control inputs start with "^"). */
  input: string[];
  attr: Record<string, TfAttr>;
}

/** A model.json attribute value (the protobuf-JSON form of tensorflow.AttrValue). */
export interface TfAttr {
  i?: string;
  f?: number;
  b?: boolean;
  s?: string | number[];
  type?: string | number;
  list?: { i?: string[]; s?: string[] };
  shape?: unknown;
  tensor?: { dtype?: string; tensorShape?: { dim?: { size: string }[] } };
}

export interface TfTensor {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface ModelJson {
  modelTopology?: { node?: TfNode[] };
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
}

const short = (name: string) => (name.length > 90 ? `...${name.slice(-87)}` : name);

export class TfGraph {
  readonly nodes = new Map<string, TfNode>();
  readonly weights = new Map<string, TfTensor>();
  /** Names of nodes that read each node (by base name). */
  readonly consumers = new Map<string, string[]>();

  private constructor(readonly dir: string) {}

  /** Load `<dir>/model.json` and its shards. Throws naming the file when something is missing or malformed. */
  static load(dir: string): TfGraph {
    const g = new TfGraph(dir);
    const jsonPath = join(dir, 'model.json');
    let model: ModelJson;
    try {
      model = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
    } catch (e) {
      throw new Error(`cannot read the TF.js model ${jsonPath}: ${(e as Error).message}`);
    }
    const nodeList = model.modelTopology?.node;
    if (!Array.isArray(nodeList) || !Array.isArray(model.weightsManifest)) {
      throw new Error(`${jsonPath} is not a TF.js graph model (expected modelTopology.node and weightsManifest)`);
    }
    for (const n of nodeList) {
      g.nodes.set(n.name, { name: n.name, op: n.op, input: n.input ?? [], attr: n.attr ?? {} });
    }
    for (const n of g.nodes.values()) {
      for (const inp of n.input) {
        const base = TfGraph.baseName(inp);
        const list = g.consumers.get(base) ?? [];
        list.push(n.name);
        g.consumers.set(base, list);
      }
    }
    for (const group of model.weightsManifest) {
      const buffers = group.paths.map((p) => {
        try {
          return readFileSync(join(dir, p));
        } catch (e) {
          throw new Error(`weight shard ${join(dir, p)} listed in ${jsonPath} cannot be read: ${(e as Error).message}`);
        }
      });
      const all = Buffer.concat(buffers);
      let offset = 0;
      for (const w of group.weights) {
        if (w.quantization) throw new Error(`weight "${w.name}" is quantized; this reader handles plain float32/int32 only`);
        if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new Error(`weight "${w.name}" has dtype ${w.dtype}; expected float32 or int32`);
        const count = w.shape.reduce((a, b) => a * b, 1);
        const bytes = count * 4;
        if (offset + bytes > all.length) {
          throw new Error(`weight shards of ${jsonPath} end early: "${w.name}" needs bytes ${offset}..${offset + bytes}, shards hold ${all.length}`);
        }
        // Copy into an aligned buffer of its own (shard offsets need not be 4-aligned in general).
        const copy = new Uint8Array(bytes);
        copy.set(all.subarray(offset, offset + bytes));
        const data = w.dtype === 'float32' ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
        g.weights.set(w.name, { name: w.name, dtype: w.dtype, shape: w.shape, data });
        offset += bytes;
      }
      if (offset !== all.length) throw new Error(`weight shards of ${jsonPath} hold ${all.length} bytes, the manifest describes ${offset}`);
    }
    return g;
  }

  /** "a/b:1" -> "a/b"; "^a" -> "a". */
  static baseName(input: string): string {
    const s = input.startsWith('^') ? input.slice(1) : input;
    const colon = s.lastIndexOf(':');
    return colon > 0 && /^\d+$/.test(s.slice(colon + 1)) ? s.slice(0, colon) : s;
  }

  /** The node called `name`; if `op` is given it must have that op type. */
  node(name: string, op?: string): TfNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`the TF.js graph has no node "${short(name)}"`);
    if (op && n.op !== op) throw new Error(`node "${short(name)}" is ${n.op}, expected ${op}`);
    return n;
  }

  /** The one node whose name ends with `suffix` (and has op `op` when given); throws if none or several. */
  find(suffix: string, op?: string): TfNode {
    const hits = [...this.nodes.values()].filter((n) => (n.name === suffix || n.name.endsWith(`/${suffix}`)) && (!op || n.op === op));
    if (hits.length !== 1) {
      throw new Error(
        `expected exactly one node named ".../${suffix}"${op ? ` of op ${op}` : ''} in the TF.js graph, found ${hits.length}` +
          (hits.length ? `: ${hits.map((h) => short(h.name)).join(', ')}` : ''),
      );
    }
    return hits[0];
  }

  /** True when some node's name ends with `suffix`. */
  has(suffix: string): boolean {
    for (const n of this.nodes.keys()) if (n === suffix || n.endsWith(`/${suffix}`)) return true;
    return false;
  }

  /** The node feeding input `i` of `node` (optionally checking its op). */
  input(node: TfNode, i: number, op?: string): TfNode {
    const inp = node.input[i];
    if (inp === undefined) throw new Error(`node "${short(node.name)}" (${node.op}) has no input ${i}`);
    const n = this.node(TfGraph.baseName(inp));
    if (op && n.op !== op) throw new Error(`input ${i} of "${short(node.name)}" is ${n.op} "${short(n.name)}", expected ${op}`);
    return n;
  }

  /** Input `i` of `node` as a constant tensor (a Const node backed by the weight shards). */
  constInput(node: TfNode, i: number, shape?: number[]): TfTensor {
    const c = this.input(node, i, 'Const');
    return this.constant(c.name, shape);
  }

  /** The constant tensor of Const node `name`, optionally checking its shape. */
  constant(name: string, shape?: number[]): TfTensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`Const node "${short(name)}" has no data in the weight manifest`);
    if (shape && (shape.length !== t.shape.length || shape.some((d, k) => d !== t.shape[k]))) {
      throw new Error(`constant "${short(name)}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return t;
  }

  /** A scalar (or one-element) constant's value. */
  scalarInput(node: TfNode, i: number): number {
    const t = this.constInput(node, i);
    if (t.data.length !== 1) throw new Error(`input ${i} of "${short(node.name)}" should be a scalar, has shape [${t.shape.join(', ')}]`);
    return t.data[0];
  }

  /** Integer attribute (e.g. Squeeze dims come as lists; single ints as strings in model.json). */
  intAttr(node: TfNode, key: string): number {
    const a = node.attr[key];
    if (a?.i === undefined) throw new Error(`node "${short(node.name)}" has no integer attribute "${key}"`);
    return Number(a.i);
  }
}
