// Head export beyond .safetensors: ONNX models of a trained head, alone or merged with its encoder. Runs in the
// browser (studio downloads) and in Node (CLI): nothing here imports a Node module. API:
//
//   exportHeadOnnx(head: Head, meta: HeadMeta): Promise<Uint8Array>
//       the head's parameters read back from the GPU -> a head-only ONNX model (via its .safetensors export)
//   exportHeadOnnxFromFile(headFile: Uint8Array): Uint8Array
//       a head .safetensors file (src/heads/serialize.ts) -> the same head-only ONNX model, no GPU needed
//   exportCombinedOnnx(encoder: EncoderFiles (model, tokenizerJson, config), head: Uint8Array, opts?): Promise<Uint8Array>
//       the encoder's model.onnx + the head (its .safetensors file OR its head-only .onnx) -> one model from token
//       ids to probabilities (./combined-onnx.ts: inputs, pooling, side-by-side pairs); async only for the
//       SHA-256 check of the encoder against the head's encoder_hash (crypto.subtle). A `finetune` head file
//       (the whole trained encoder + a classifier) gives the ORIGINAL graph with the trained weights written
//       back into its initializers, plus the classifier (./finetune-onnx.ts)
//
// Head-only model (opset 17): inputs token_states (batch, tokens, C) f32, attention_mask (batch, tokens) f32
// (1 = token, 0 = padding), pooled (batch, C) f32, pooled_b (batch, C) f32 only for pairs encoded side by side;
// outputs logits (batch, L), probabilities (batch, L) (softmax over labels; for L-Tuning over the per-label match
// logits). Metadata props: format "labeltune-head-onnx", kind, labels, label_texts, encoder_name/hash, tokenizer.
// Design decision: every ONNX export is built from the head's .safetensors bytes, the one validated description
// of a head, so the studio and the CLI cannot drift apart.
import type { Head } from '../heads/head';
import { exportHead, type HeadMeta } from '../heads/serialize';
import { combineEncoderAndHead, type CombinedOptions, type EncoderFiles } from './combined-onnx';
import { exportFinetunedOnnx } from './finetune-onnx';
import { headSourceToOnnx, readHeadFile } from './head-onnx';

export { CombinedOnnxError, type CombinedOptions, type EncoderFiles } from './combined-onnx';
export { exportFinetunedOnnx, finetunedSpecFromFile, writeSpecIntoGraph } from './finetune-onnx';

export { HEAD_ONNX_FORMAT, HeadOnnxError, readHeadFile, type HeadSource } from './head-onnx';

/** A head .safetensors file -> a head-only ONNX model (bytes of a .onnx file). */
export function exportHeadOnnxFromFile(headFile: Uint8Array): Uint8Array {
  return headSourceToOnnx(readHeadFile(headFile));
}

/** A trained head on the GPU (+ what the caller knows about it) -> a head-only ONNX model. */
export async function exportHeadOnnx(head: Head, meta: HeadMeta): Promise<Uint8Array> {
  return exportHeadOnnxFromFile(await exportHead(head, meta));
}

/** A .safetensors file starts with its header length (u64 LE) and a JSON header; an ONNX model never does. */
function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return v.getUint32(4, true) === 0 && v.getUint32(0, true) + 8 <= bytes.length;
}

/**
 * The encoder's files (model.onnx + tokenizer.json + config.json: the head's encoder identity covers all three) +
 * a head (.safetensors export or head-only .onnx) -> one model from token ids to probabilities.
 */
export async function exportCombinedOnnx(encoder: EncoderFiles, head: Uint8Array, opts: CombinedOptions = {}): Promise<Uint8Array> {
  if (!isSafetensors(head)) return combineEncoderAndHead(encoder, head, opts);
  const src = readHeadFile(head);
  if (src.kind === 'finetune') return exportFinetunedOnnx(encoder, src, opts);
  return combineEncoderAndHead(encoder, headSourceToOnnx(src), opts);
}
