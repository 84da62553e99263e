// A trained head as a standalone ONNX model (opset 17), built from the head's .safetensors export
// (src/heads/serialize.ts), so the studio (browser) and the CLI convert the same bytes without a GPU.
//   inputs   token_states (batch, tokens, C) float32   the encoder's token states, zero or anything past a row's length
//            attention_mask (batch, tokens) float32    1 = real token, 0 = padding (a key is kept iff >= 0.5)
//            pooled (batch, C) float32                 the pooled vector (side A's for pairs encoded side by side)
//            pooled_b (batch, C) float32               side B's pooled vector; only for tokenizer.pair "side-by-side"
//   outputs  logits (batch, L), probabilities (batch, L) = softmax(logits / T) (for L-Tuning: over the per-label
//            match logits, so its argmax is the predicted label); T the calibration temperature (1 when none);
//            multi-label heads: probabilities = sigmoid(logits / T) and predicted (batch, L) = 1.0 where
//            probabilities >= the label's tuned threshold, else 0.0 (./head-outputs.ts)
// Every head has all of token_states / attention_mask / pooled (a uniform interface; heads that do not read the
// token states leave them unused). For pairs encoded side by side, token_states holds side A's rows then side B's
// (as the feature cache does), masked as one sequence. Each kind's nodes are its registry entry's `onnx`
// (src/heads/kinds/), mirroring its float64 reference in reference/heads/.
// Design decision: the graph is rebuilt from the STORED FILE, not from live GPU tensors: one source of truth with
// the .safetensors download, every tensor checked against the config's shapes, and any tensor the graph does not
// use is an error (a file that does not describe this kind exactly is refused, not half-converted).
import { cInt, HeadOnnxError, OnnxParams, type HeadInputs, type HeadSource } from '../heads/kind-entry';
import { HEAD_KINDS, headEntry, isHeadKind } from '../heads/registry';
import { HEAD_FORMAT, HEAD_FORMAT_VERSION, HeadFileError, type HeadMeta, type PairHandling } from '../heads/serialize';
import { readSafetensors } from '../heads/safetensors';
import { readTaskMetadata, taskMetadata, unsupportedVersion } from '../heads/head-task';
import { headOutputs } from './head-outputs';
import { Graph } from '../onnx/graph';

export { HeadOnnxError, type HeadInputs, type HeadSource } from '../heads/kind-entry';

/** ModelProto.metadata_props "format" of a head ONNX model. */
export const HEAD_ONNX_FORMAT = 'labeltune-head-onnx';
export const HEAD_ONNX_VERSION = '1';

function jsonField(md: Record<string, string>, key: string): unknown {
  const raw = md[key];
  if (raw === undefined) throw new HeadFileError(`metadata "${key}" is missing (not a complete labeltune head export)`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new HeadFileError(`metadata "${key}" is not valid JSON: ${raw.slice(0, 80)}`);
  }
}

/** Parse a head .safetensors file (format, version, kind and metadata checked; tensors are checked while building). */
export function readHeadFile(bytes: Uint8Array): HeadSource {
  const { tensors, metadata: md } = readSafetensors(bytes);
  if (md.format !== HEAD_FORMAT) throw new HeadFileError(`format is ${JSON.stringify(md.format ?? null)}, expected "${HEAD_FORMAT}" (not a labeltune head export)`);
  if (md.version !== '2' && md.version !== '3') throw new HeadFileError(unsupportedVersion(String(md.version), HEAD_FORMAT_VERSION));
  const kind = md.kind;
  if (!isHeadKind(kind)) throw new HeadFileError(`unknown head kind "${kind}" (known: ${HEAD_KINDS.join(', ')})`);
  const config = jsonField(md, 'config');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new HeadFileError('metadata "config" must be a JSON object');
  const tok = jsonField(md, 'tokenizer') as { tmax?: unknown; pair?: unknown };
  if (!['none', 'side-by-side', 'pair-input'].includes(tok?.pair as string)) throw new HeadFileError(`tokenizer.pair must be "none", "side-by-side" or "pair-input", got ${JSON.stringify(tok?.pair)}`);
  if (!Number.isInteger(tok.tmax) || (tok.tmax as number) < 1) throw new HeadFileError(`tokenizer.tmax must be a positive integer, got ${JSON.stringify(tok.tmax)}`);
  const meta: HeadMeta = {
    labels: jsonField(md, 'labels') as string[],
    labelTexts: jsonField(md, 'label_texts') as string[],
    encoder: { name: md.encoder_name ?? '', hash: md.encoder_hash ?? '' },
    tokenizer: { tmax: tok.tmax as number, pair: tok.pair as PairHandling },
    training: jsonField(md, 'training') as Record<string, unknown>,
    metrics: jsonField(md, 'metrics') as HeadMeta['metrics'],
    createdAt: md.created_at,
  };
  const labelCount = Array.isArray(meta.labels) ? meta.labels.length : 0;
  Object.assign(meta, readTaskMetadata(md, md.version, labelCount));
  return { kind, config: config as Record<string, unknown>, tensors, meta };
}

/** Build the head's nodes into `g` from its inputs (the kind's registry entry); returns the logits (B, L) value and L. */
export function buildHeadNodes(g: Graph, src: HeadSource, io: HeadInputs): { logits: string; L: number; C: number } {
  const sideBySide = src.meta.tokenizer.pair === 'side-by-side';
  if (sideBySide !== (io.pooledB !== null)) throw new HeadOnnxError('internal: pooled_b must be wired exactly for side-by-side pairs');
  const P = new OnnxParams(g, src);
  const out = headEntry(src.kind).onnx(g, P, src, io);
  P.finish();
  if (src.meta.labels.length !== out.L) throw new HeadOnnxError(`metadata "labels" has ${src.meta.labels.length} names but the head has ${out.L} labels`);
  return out;
}

/** ModelProto metadata of a head model (the combined export reads it back). */
export function headOnnxMetadata(src: HeadSource): Record<string, string> {
  const m = src.meta;
  return {
    format: HEAD_ONNX_FORMAT,
    version: HEAD_ONNX_VERSION,
    kind: src.kind,
    labels: JSON.stringify(m.labels),
    label_texts: JSON.stringify(m.labelTexts),
    encoder_name: m.encoder.name,
    encoder_hash: m.encoder.hash,
    tokenizer: JSON.stringify(m.tokenizer),
    training: JSON.stringify(m.training),
    metrics: JSON.stringify(m.metrics),
    created_at: m.createdAt ?? '',
    attention_mask: 'float32',
    ...taskMetadata(m.task, m.calibration, m.labels.length),
  };
}

/** The standalone head model (see the top of this file for its inputs and outputs). */
export function headSourceToOnnx(src: HeadSource): Uint8Array {
  const g = new Graph(`labeltune-${src.kind}`);
  const C = cInt(src.config, 'C', src.kind);
  const io: HeadInputs = {
    tokens: g.input('token_states', 'float', ['batch', 'tokens', C]),
    mask: g.input('attention_mask', 'float', ['batch', 'tokens']),
    pooled: g.input('pooled', 'float', ['batch', C]),
    pooledB: src.meta.tokenizer.pair === 'side-by-side' ? g.input('pooled_b', 'float', ['batch', C]) : null,
  };
  const { logits, L } = buildHeadNodes(g, src, io);
  headOutputs(g, logits, L, src.meta);
  return g.toBytes({ producerName: 'labeltune', docString: `labeltune ${src.kind} head (${L} labels) for encoder ${src.meta.encoder.name}`, metadata: headOnnxMetadata(src) });
}
