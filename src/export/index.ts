// Head export beyond .safetensors: ONNX models of a trained head, alone or merged with its encoder. Runs in the
// browser (studio downloads) and in Node (CLI): nothing here imports a Node module. API:
//
//   exportHeadOnnx(head: Head, meta: HeadMeta): Promise<Uint8Array>
//       the head's parameters read back from the GPU -> a head-only ONNX model (via its .safetensors export)
//   exportHeadOnnxFromFile(headFile: Uint8Array): Uint8Array
//       a head .safetensors file (src/heads/serialize.ts) -> the same head-only ONNX model, no GPU needed
//
// Head-only model (opset 17): inputs token_states (batch, tokens, C) f32, attention_mask (batch, tokens) f32
// (1 = token, 0 = padding), pooled (batch, C) f32, pooled_b (batch, C) f32 only for pairs encoded side by side;
// outputs logits (batch, L), probabilities (batch, L) (softmax over labels; for L-Tuning over the per-label match
// logits). Metadata props: format "labeltune-head-onnx", kind, labels, label_texts, encoder_name/hash, tokenizer.
// Design decision: every ONNX export is built from the head's .safetensors bytes, the one validated description
// of a head, so the studio and the CLI cannot drift apart.
import type { Head } from '../heads/head';
import { exportHead, type HeadMeta } from '../heads/serialize';
import { headSourceToOnnx, readHeadFile } from './head-onnx';

export { HEAD_ONNX_FORMAT, HeadOnnxError, readHeadFile, type HeadSource } from './head-onnx';

/** A head .safetensors file -> a head-only ONNX model (bytes of a .onnx file). */
export function exportHeadOnnxFromFile(headFile: Uint8Array): Uint8Array {
  return headSourceToOnnx(readHeadFile(headFile));
}

/** A trained head on the GPU (+ what the caller knows about it) -> a head-only ONNX model. */
export async function exportHeadOnnx(head: Head, meta: HeadMeta): Promise<Uint8Array> {
  return exportHeadOnnxFromFile(await exportHead(head, meta));
}
