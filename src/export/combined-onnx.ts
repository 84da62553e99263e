// One ONNX model from token ids to probabilities: the encoder's graph (its model.onnx, read with onnx-proto)
// merged with a head-only model (./head-onnx.ts). Inputs are the encoder's own, int64 and padded on the RIGHT
// (as src/encoder/batching.ts pads): input_ids, attention_mask (batch, seq) [+ token_type_ids for a model with
// a pair input]; for pairs encoded side by side also input_ids_b, attention_mask_b (batch, seq_b). Each side is
// tokenised on its own with the head's tmax (tokenizer metadata), exactly as the app does. Outputs: logits and
// probabilities (batch, L).
// What the glue reproduces from the app's path (src/encoder/encode.ts + src/train/batches.ts):
//   pooled = the encoder's pooled output (sentence_embedding, or opts.pooledOutput) where it has one, else the
//            mean of last_hidden_state over attention_mask (a row with no token: a zero vector);
//   the head's token mask keeps a row's first max(len, 1) positions (an empty text is ONE masked pad token, and
//            the app counts it as a row), capped at tmax;
//   side by side: the encoder nodes run twice (side B's values renamed "enc_b/...", initializers shared) and the
//            token states are concatenated A then B, B's rows kept while A's + B's count stays within tmax —
//            the rows packBatch keeps (the head's attention does not depend on the rows' order).
// Design decision: merging works on the protobufs, not by rebuilding the encoder: any encoder the app loads
// (opset >= 13, no control-flow subgraphs for pairs) can be combined; every head name is prefixed "head/" and
// every glue name "glue/", and a clash with an encoder name is an error, never a silent rewire. The encoder's
// identity (src/encoder/identity.ts: model + tokenizer.json + config.json + encode code version) must equal the
// head's encoder_hash (a head trained on another encoder, or under another tokenizer, is refused).
import onnxProto from 'onnx-proto';
import { encoderIdentity } from '../encoder/identity';
import type { ModelFiles } from '../encoder/model-files';
import { HEAD_ONNX_FORMAT } from './head-onnx';
import { reduceSum } from '../onnx/blocks';
import { Graph, type Dim } from '../onnx/graph';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

export interface CombinedOptions {
  /** The encoder's pooled output name; default "sentence_embedding" when the model has it; null: masked mean pooling. */
  pooledOutput?: string | null;
  /**
   * Edit the decoded encoder graph after the hash check, before merging (a fine-tuned model's trained weights,
   * ./finetune-onnx.ts): the hash check stays on the ORIGINAL model the head was trained from.
   */
  patchEncoder?: (graph: onnxProto.onnx.IGraphProto) => void;
  /** For error messages (default: the head's encoder name). */
  encoderName?: string;
}

export class CombinedOnnxError extends Error {
  constructor(message: string) {
    super(`combined ONNX export: ${message}`);
    this.name = 'CombinedOnnxError';
  }
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

function decode(bytes: Uint8Array, what: string): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new CombinedOnnxError(`${what} is not an ONNX model (${(err as Error).message})`);
  }
}

/** The encoder's files: the model and what its identity also covers (tokenizer.json, config.json). */
export type EncoderFiles = Pick<ModelFiles, 'model' | 'tokenizerJson' | 'config'>;

/** Hex SHA-256 (kept here for ./finetune-onnx.ts and older imports). */
export { sha256Hex } from '../encoder/identity';

const defaultOpset = (m: ModelProto) => Number(m.opsetImport?.find((o) => !o.domain)?.version ?? 0);
const dimsOf = (v: ValueInfoProto): Dim[] => (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));

/** Rename a value: '' (an omitted optional input) stays ''. */
const renamer = (map: Map<string, string>, fallback: (n: string) => string) => (n: string) => (n === '' ? '' : (map.get(n) ?? fallback(n)));

function cloneNode(n: NodeProto, rename: (x: string) => string, namePrefix: string): NodeProto {
  return onnx.NodeProto.create({ ...n, name: namePrefix + (n.name ?? ''), input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename) });
}

/**
 * Merge an encoder model and a head-only model into one model from token ids to probabilities. `headOnnx` is
 * the head-only model's bytes (exportHeadOnnx / exportHeadOnnxFromFile).
 */
export async function combineEncoderAndHead(encoder: EncoderFiles, headOnnx: Uint8Array, opts: CombinedOptions = {}): Promise<Uint8Array> {
  const encoderModel = encoder.model;
  const enc = decode(encoderModel, 'the encoder model');
  const head = decode(headOnnx, 'the head model');
  const hmeta = Object.fromEntries((head.metadataProps ?? []).map((p) => [p.key!, p.value!]));
  if (hmeta.format !== HEAD_ONNX_FORMAT) throw new CombinedOnnxError(`the head model's metadata format is ${JSON.stringify(hmeta.format ?? null)}, expected "${HEAD_ONNX_FORMAT}" (export it with exportHeadOnnx)`);
  const tok = JSON.parse(hmeta.tokenizer) as { tmax: number; pair: 'none' | 'side-by-side' | 'pair-input' };
  const encName = opts.encoderName ?? hmeta.encoder_name;
  const { hash } = await encoderIdentity(encoder);
  if (hash !== hmeta.encoder_hash) {
    throw new CombinedOnnxError(`the head was trained on ${hmeta.encoder_name} (hash ${hmeta.encoder_hash.slice(0, 12)}…), this encoder (${encName}: model, tokenizer and config) has hash ${hash.slice(0, 12)}…; combine it with ${hmeta.encoder_name}'s files`);
  }
  const eg = enc.graph!;
  opts.patchEncoder?.(eg);
  const opset = defaultOpset(enc);
  if (opset < 13) throw new CombinedOnnxError(`the encoder uses opset ${opset}; combining needs opset 13 or later (re-export the encoder)`);
  const inputs = new Map((eg.input ?? []).map((v) => [v.name!, v]));
  const outputs = new Map((eg.output ?? []).map((v) => [v.name!, v]));
  for (const need of ['input_ids', 'attention_mask']) if (!inputs.has(need)) throw new CombinedOnnxError(`the encoder has no ${need} input (inputs: ${[...inputs.keys()].join(', ')})`);
  const hasTypeIds = inputs.has('token_type_ids');
  if (!outputs.has('last_hidden_state')) throw new CombinedOnnxError(`the encoder has no last_hidden_state output (outputs: ${[...outputs.keys()].join(', ')})`);
  const pooledName = opts.pooledOutput !== undefined ? opts.pooledOutput : outputs.has('sentence_embedding') ? 'sentence_embedding' : null;
  if (pooledName && !outputs.has(pooledName)) throw new CombinedOnnxError(`the encoder has no output "${pooledName}" (outputs: ${[...outputs.keys()].join(', ')})`);
  if (tok.pair === 'pair-input' && !hasTypeIds) throw new CombinedOnnxError('the head was trained with the model\'s pair input, but this encoder has no token_type_ids input');
  const sideBySide = tok.pair === 'side-by-side';
  if (sideBySide && (eg.node ?? []).some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs?.length ?? 0) > 0))) {
    throw new CombinedOnnxError('the encoder has control-flow subgraphs (If/Loop/Scan); running it twice for side-by-side pairs is not supported');
  }
  // Every name the encoder defines, to refuse clashes with the glue/head names.
  const encNames = new Set<string>([...inputs.keys(), ...(eg.initializer ?? []).map((t) => t.name!), ...(eg.node ?? []).flatMap((n) => n.output ?? [])]);
  const hiddenVi = outputs.get('last_hidden_state')!;
  const C = dimsOf(hiddenVi)[2];
  const batchDim = dimsOf(inputs.get('input_ids')!)[0];
  const batchDimName = typeof batchDim === 'string' ? batchDim : 'batch';

  // --- side B: the encoder's nodes again, values renamed, initializers shared ---------------------------------
  const bMap = new Map<string, string>();
  for (const init of eg.initializer ?? []) bMap.set(init.name!, init.name!);
  for (const name of inputs.keys()) bMap.set(name, `${name}_b`);
  const renameB = renamer(bMap, (n) => `enc_b/${n}`);
  const nodesB = sideBySide ? (eg.node ?? []).map((n) => cloneNode(n, renameB, 'enc_b/')) : [];
  const inputsB = sideBySide
    ? [...inputs.values()]
        .filter((v) => !(eg.initializer ?? []).some((t) => t.name === v.name))
        .map((v) => {
          const c = onnx.ValueInfoProto.decode(onnx.ValueInfoProto.encode(v).finish());
          c.name = `${v.name}_b`;
          c.type?.tensorType?.shape?.dim?.forEach((d, i) => {
            if (i === 1 && d.dimParam) d.dimParam = `${d.dimParam}_b`;
          });
          return c;
        })
    : [];

  // --- glue: masks, pooling, concatenation (built with the Graph builder over declared encoder values) --------
  const g = new Graph('glue');
  const f32 = (x: string, vi: ValueInfoProto) => (vi.type?.tensorType?.elemType === FLOAT16 ? g.node('Cast', [x], { to: FLOAT }, g.fresh('glue/cast')) : x);
  const side = (suffix: string) => {
    const ids = g.input(`input_ids${suffix}`, 'int64', ['batch', 'seq']);
    const mask = g.input(`attention_mask${suffix}`, 'int64', ['batch', 'seq']);
    const hidden = f32(g.input(suffix ? renameB('last_hidden_state') : 'last_hidden_state', 'float', ['batch', 'seq', C]), hiddenVi);
    const pooledIn = pooledName ? f32(g.input(suffix ? renameB(pooledName) : pooledName, 'float', ['batch', C]), outputs.get(pooledName)!) : null;
    const maskF = g.node('Cast', [mask], { to: FLOAT });
    const count = reduceSum(g, maskF, 1, true); // (B, 1)
    const pooled = pooledIn ?? g.node('Div', [reduceSum(g, g.node('Mul', [hidden, g.node('Unsqueeze', [maskF, g.constInt64([2])])]), 1, false), g.node('Max', [count, g.constFloat([1], [])])]);
    const seq = g.node('Squeeze', [g.node('Shape', [ids], { start: 1, end: 2 }), g.constInt64([0])]);
    const pos = g.node('Cast', [g.node('Range', [g.constInt64([0], []), seq, g.constInt64([1], [])])], { to: FLOAT }); // (seq)
    const rows = g.node('Max', [count, g.constFloat([1], [])]); // rows the app keeps for this side (B, 1)
    return { hidden, pooled, pos, rows };
  };
  const keepMask = (pos: string, limit: string) => g.node('Cast', [g.node('Less', [g.node('Unsqueeze', [pos, g.constInt64([0])]), limit])], { to: FLOAT });
  const tmax = g.constFloat([tok.tmax], []);
  const a = side('');
  const rowsA = g.node('Min', [a.rows, tmax]);
  let tokens = a.hidden;
  let mask = keepMask(a.pos, rowsA);
  let pooledB: string | null = null;
  if (sideBySide) {
    const b = side('_b');
    const rowsB = g.node('Min', [b.rows, g.node('Sub', [tmax, rowsA])]);
    tokens = g.node('Concat', [a.hidden, b.hidden], { axis: 1 });
    mask = g.node('Concat', [mask, keepMask(b.pos, rowsB)], { axis: 1 });
    pooledB = b.pooled;
  }
  g.output(mask, 'float', ['batch', 'tokens']);
  const glue = g.toModel().graph!;
  // The glue graph's "inputs" are encoder values; its own names get the glue/ prefix.
  const glueInputs = new Set((glue.input ?? []).map((v) => v.name!));
  const glueName = (n: string) => (n === '' || glueInputs.has(n) ? n : `glue/${n}`);
  const glueNodes = (glue.node ?? []).map((n) => cloneNode(n, glueName, 'glue/'));
  const glueInits = (glue.initializer ?? []).map((t) => onnx.TensorProto.create({ ...t, name: glueName(t.name!) }));

  // --- head: prefixed, its inputs wired to the glue ------------------------------------------------------------
  const hg = head.graph!;
  const wires = new Map<string, string>([
    ['token_states', glueName(tokens)],
    ['attention_mask', glueName(mask)],
    ['pooled', glueName(a.pooled)],
  ]);
  if (pooledB) wires.set('pooled_b', glueName(pooledB));
  for (const v of hg.input ?? []) if (!wires.has(v.name!)) throw new CombinedOnnxError(`the head model has an input "${v.name}" the combined model cannot feed`);
  if (sideBySide !== (hg.input ?? []).some((v) => v.name === 'pooled_b')) throw new CombinedOnnxError('the head model\'s pooled_b input does not match its tokenizer.pair metadata');
  // logits, probabilities and (multi-label heads) predicted, exactly as the head model names them (./head-outputs.ts).
  const outNames = (hg.output ?? []).map((o) => o.name!);
  const headOut = new Map(outNames.map((n) => [n, n]));
  const renameHead = (n: string) => (n === '' ? '' : (wires.get(n) ?? headOut.get(n) ?? `head/${n}`));
  const headNodes = (hg.node ?? []).map((n) => cloneNode(n, renameHead, 'head/'));
  const headInits = (hg.initializer ?? []).map((t) => onnx.TensorProto.create({ ...t, name: renameHead(t.name!) }));
  const L = dimsOf(hg.output!.find((o) => o.name === 'logits')!)[1];

  const added = [...glueNodes, ...headNodes].flatMap((n) => n.output ?? []).concat([...glueInits, ...headInits].map((t) => t.name!), nodesB.flatMap((n) => n.output ?? []));
  const clash = added.find((n) => encNames.has(n));
  if (clash) throw new CombinedOnnxError(`the encoder already defines a value named "${clash}"; rename it in the encoder export`);

  const outVi = (name: string) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: batchDimName }, { dimValue: L }] } } } });
  const opsetImport = (enc.opsetImport ?? []).map((o) => (o.domain ? o : { domain: '', version: Math.max(opset, 17) }));
  const model = onnx.ModelProto.create({
    irVersion: Math.max(Number(enc.irVersion ?? 8), 8),
    opsetImport,
    producerName: 'labeltune',
    docString: `${encName} + labeltune ${hmeta.kind} head (${L} labels): token ids in, probabilities out`,
    metadataProps: Object.entries({ ...hmeta, format: 'labeltune-combined-onnx', pooling: pooledName ?? 'masked-mean', inputs_padding: 'right' }).map(([key, value]) => ({ key, value })),
    graph: onnx.GraphProto.create({
      name: `${eg.name ?? 'encoder'}+labeltune-head`,
      input: [...(eg.input ?? []), ...inputsB],
      output: outNames.map(outVi),
      initializer: [...(eg.initializer ?? []), ...glueInits, ...headInits],
      sparseInitializer: eg.sparseInitializer ?? [],
      valueInfo: eg.valueInfo ?? [],
      node: [...(eg.node ?? []), ...nodesB, ...glueNodes, ...headNodes],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}
