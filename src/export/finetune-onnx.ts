// A fine-tuned model (a `finetune` head file: the whole trained encoder + a classifier) as ONE combined ONNX
// model: the ORIGINAL model.onnx graph with its weights replaced by the trained ones, plus the classifier on the
// pooled vector (or on the pair features [u, v, |u-v|, u*v] for pairs encoded side by side), merged by the same
// machinery as every other head (./combined-onnx.ts: inputs, pooling glue, side B's second encoder pass).
// Design decision: the weights are written back through each spec tensor's `source` (src/model/spec.ts) — a
// whole initializer, its transpose (Gemm transB), or a column slice of a fused one (USE-lite's q|k|v), the
// slices written into the fused initializer — so the graph, its ops and constants are never rebuilt, and
// onnxruntime runs exactly the nodes it ran before fine-tuning. No GPU is needed: the head file holds every value.
import { headOutputs } from './head-outputs';
import onnxProto from 'onnx-proto';
import { headEntry } from '../heads/registry';
import { finetunedSpec } from '../heads/kinds/finetune';
import { cInt, HeadFileError, OnnxParams, type HeadSource } from '../heads/kind-entry';
import { floatTensorData } from '../model/onnx-graph-view';
import { readEncoderSpec, UnsupportedGraphError } from '../model/onnx-reader';
import { specTensors, type EncoderSpec, type Tensor } from '../model/spec';
import { linear, pairFeatures } from '../onnx/blocks';
import { Graph, tensorProto } from '../onnx/graph';
import { encoderIdentity } from '../encoder/identity';
import { combineEncoderAndHead, CombinedOnnxError, type CombinedOptions, type EncoderFiles } from './combined-onnx';
import { headOnnxMetadata } from './head-onnx';

const { onnx } = onnxProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type TensorProto = onnxProto.onnx.ITensorProto;

/** Where a weight lives in the graph: an initializer (index) or a Constant node's `value` attribute. */
interface Slot {
  proto: TensorProto;
  replace(t: TensorProto): void;
}

function findSlot(g: GraphProto, name: string): Slot | null {
  const inits = g.initializer ?? [];
  const i = inits.findIndex((t) => t.name === name);
  if (i >= 0) return { proto: inits[i], replace: (t) => void (inits[i] = t) };
  for (const n of g.node ?? []) {
    if (n.opType !== 'Constant') continue;
    const a = (n.attribute ?? []).find((x) => x.name === 'value' && x.t);
    if (a && (a.t!.name === name || n.output?.[0] === name)) return { proto: a.t!, replace: (t) => void (a.t = t) };
  }
  return null;
}

/**
 * Write every tensor of `spec` back into the decoded graph `g` (mutated) through its source. Elements of an
 * initializer no tensor covers keep their value; two tensors that cover the same element with different values
 * (weights tied in the graph but trained apart) are an error.
 */
export function writeSpecIntoGraph(g: GraphProto, spec: EncoderSpec): void {
  const edits = new Map<string, Edit>();
  const names = specTensors(spec).map((t) => t.name);
  for (const [k, { name, tensor }] of specTensors(spec).entries()) {
    const src = tensor.source;
    let edit = edits.get(src.name);
    if (!edit) {
      const slot = findSlot(g, src.name);
      if (!slot) throw new CombinedOnnxError(`encoder tensor ${name}: the graph has no initializer or Constant "${src.name}" to write it into`);
      const orig = floatTensorData(slot.proto);
      const dims = (slot.proto.dims ?? []).map(Number);
      if (!orig) throw new CombinedOnnxError(`encoder tensor ${name}: "${src.name}" is not a float32 tensor`);
      if (dims.join(',') !== src.dims.join(',')) throw new CombinedOnnxError(`encoder tensor ${name}: "${src.name}" has dims [${dims}] in the graph, the spec says [${src.dims}]`);
      edit = { slot, dims, data: Float32Array.from(orig), by: new Int32Array(orig.length).fill(-1), names };
      edits.set(src.name, edit);
    }
    writeTensor(edit, k, tensor);
  }
  for (const [name, { slot, dims, data }] of edits) slot.replace(onnx.TensorProto.create({ ...tensorProto(name, data, dims), docString: slot.proto.docString ?? '' }));
}

/** One graph tensor being rewritten: its values, and which spec tensor (index into names) wrote each element. */
interface Edit {
  slot: Slot;
  dims: number[];
  data: Float32Array;
  by: Int32Array;
  names: string[];
}

function writeTensor(edit: Edit, k: number, t: Tensor): void {
  const { dims, data, by, names } = edit;
  const name = names[k];
  const src = t.source;
  const put = (at: number, v: number) => {
    if (by[at] >= 0 && data[at] !== v) throw new CombinedOnnxError(`encoder tensors ${names[by[at]]} and ${name} share element ${at} of "${src.name}" but hold different values (tied weights trained apart cannot be written back)`);
    data[at] = v;
    by[at] = k;
  };
  if (src.transposed) {
    if (src.colStart !== undefined) throw new CombinedOnnxError(`encoder tensor ${name}: a transposed column slice of "${src.name}" is not supported`);
    const [out, inp] = dims; // stored (out, in); the tensor is (in, out)
    if (t.shape[0] !== inp || t.shape[1] !== out) throw new CombinedOnnxError(`encoder tensor ${name}: shape [${t.shape}] is not the transpose of "${src.name}" [${dims}]`);
    for (let r = 0; r < out; r++) for (let c = 0; c < inp; c++) put(r * inp + c, t.data[c * out + r]);
    return;
  }
  if (src.colStart !== undefined) {
    const start = src.colStart;
    const cols = src.cols ?? 0;
    const rows = dims.length === 1 ? 1 : dims[0];
    const all = dims[dims.length - 1];
    if (start + cols > all || t.data.length !== rows * cols) throw new CombinedOnnxError(`encoder tensor ${name}: columns [${start}, ${start + cols}) of "${src.name}" [${dims}] do not fit its ${t.data.length} values`);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) put(r * all + start + c, t.data[r * cols + c]);
    return;
  }
  if (t.data.length !== data.length) throw new CombinedOnnxError(`encoder tensor ${name}: ${t.data.length} values for "${src.name}" [${dims}] (${data.length})`);
  for (let i = 0; i < data.length; i++) put(i, t.data[i]);
}

/** The classifier as a head-only model (./head-onnx.ts's interface): logits = x W + b on pooled or pair features. */
function classifierOnnx(src: HeadSource): Uint8Array {
  const c = src.config;
  const C = cInt(c, 'C', 'finetune');
  const L = cInt(c, 'labels', 'finetune');
  const sideBySide = src.meta.tokenizer.pair === 'side-by-side';
  if (c.pair !== sideBySide) throw new CombinedOnnxError(`config (finetune).pair is ${JSON.stringify(c.pair)} but tokenizer.pair is "${src.meta.tokenizer.pair}"`);
  const g = new Graph('labeltune-finetune-classifier');
  g.input('token_states', 'float', ['batch', 'tokens', C]);
  g.input('attention_mask', 'float', ['batch', 'tokens']);
  const pooled = g.input('pooled', 'float', ['batch', C]);
  const x = sideBySide ? pairFeatures(g, pooled, g.input('pooled_b', 'float', ['batch', C])) : pooled;
  const D = sideBySide ? 4 * C : C;
  const classifier = { ...src, tensors: { 'param.classifier.W': src.tensors['param.classifier.W'], 'param.classifier.b': src.tensors['param.classifier.b'] } };
  const P = new OnnxParams(g, classifier);
  const logits = linear(g, x, P.get('param.classifier.W', [D, L]), P.get('param.classifier.b', [L]));
  P.finish();
  headOutputs(g, logits, L, src.meta);
  return g.toBytes({ producerName: 'labeltune', docString: `labeltune finetune classifier (${L} labels)`, metadata: headOnnxMetadata(src) });
}

/** The base model's spec with a finetune file's weights, after every check (hash, tensor set, shapes, values). */
export async function finetunedSpecFromFile(encoder: EncoderFiles, src: HeadSource, encoderName?: string): Promise<EncoderSpec> {
  if (src.kind !== 'finetune') throw new CombinedOnnxError(`expected a finetune head file, got kind "${src.kind}"`);
  const encoderModel = encoder.model;
  // The encoder identity (model + tokenizer + config + encode code version: src/encoder/identity.ts).
  const { hash } = await encoderIdentity(encoder);
  const meta = src.meta.encoder;
  if (hash !== meta.hash) {
    throw new CombinedOnnxError(`the model was fine-tuned from ${meta.name} (hash ${meta.hash.slice(0, 12)}…), this encoder (${encoderName ?? 'given'}: model, tokenizer and config) has hash ${hash.slice(0, 12)}…; combine it with ${meta.name}'s files`);
  }
  const { shapes } = headEntry('finetune').codec.expect(src.config);
  for (const name of Object.keys(src.tensors)) if (!shapes.has(name)) throw new HeadFileError(`unexpected tensor "${name}" for a finetune head`);
  for (const [name, shape] of shapes) {
    const t = src.tensors[name];
    if (!t) throw new HeadFileError(`tensor "${name}" is missing`);
    if (t.shape.join(',') !== shape.join(',')) throw new HeadFileError(`tensor "${name}" has shape [${t.shape}], the config needs [${shape}]`);
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new HeadFileError(`tensor "${name}" holds a non-finite value (${t.data[bad]}) at index ${bad}`);
  }
  let base: EncoderSpec;
  try {
    base = readEncoderSpec(encoderModel);
  } catch (err) {
    if (err instanceof UnsupportedGraphError) throw new CombinedOnnxError(`the encoder graph cannot take fine-tuned weights: ${err.message}`);
    throw err;
  }
  return finetunedSpec(base, src.config, src.tensors);
}

/** model.onnx + a finetune head file -> one model from token ids to probabilities with the trained weights. */
export async function exportFinetunedOnnx(encoder: EncoderFiles, src: HeadSource, opts: CombinedOptions = {}): Promise<Uint8Array> {
  const spec = await finetunedSpecFromFile(encoder, src, opts.encoderName);
  return combineEncoderAndHead(encoder, classifierOnnx(src), {
    ...opts,
    // The WGSL encoder's sentence vector: the model's own pooling output, else the masked mean of the tokens.
    pooledOutput: spec.io.pooled,
    patchEncoder: (g) => writeSpecIntoGraph(g, spec),
  });
}
