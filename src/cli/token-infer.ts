// Inference for `eval` and `predict` that picks the head's input: cached encoder features (every feature head:
// encode through the feature cache, then src/train/inference.ts headLogits) or token ids (kinds that run the encoder in WGSL
// themselves, `finetune`: tokenise, packTokenBatch, head.forward). Design decision: token-id batches are formed
// from examples sorted by length (little padding, each sequence's own positions unchanged) and the logits are
// written back to each example's input position, so the output order is the input order either way.
import type { TextTokenizer } from '../encoder/tokenizer';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { headEntry, isHeadKind } from '../heads/registry';
import { packTokenBatch, type TrainExample } from '../train/batches';
import { encodeInputs, type Encoded, type EncoderSession, type TextInput } from './encoding';
import { headLogits } from '../train/inference';
import { tokenize, type PairMode } from './token-examples';

/** The head file's tokenizer.pair as the tokenisation mode of its token-id inputs. */
export function pairModeOf(pair: string | undefined): PairMode {
  return pair === 'pair-input' || pair === 'side-by-side' ? pair : 'none';
}

/** True when the head runs the encoder itself on token ids (no feature encode). */
export function readsTokenIds(head: Head): boolean {
  return isHeadKind(head.kind) && headEntry(head.kind).input === 'token-ids';
}

/** Logits (N, L) of a token-id head on the inputs, in input order. */
export async function tokenHeadLogits(e: GpuEngine, head: Head, tok: TextTokenizer, inputs: readonly TextInput[], tmax: number, mode: PairMode, batchSize = 32): Promise<Float32Array> {
  const L = head.labels;
  const examples: TrainExample[] = inputs.map((x) => ({ tokens: tokenize(tok, x.text, x.textPair, tmax, mode), label: 0 }));
  const len = (i: number) => Math.max(examples[i].tokens!.ids.length, examples[i].tokens!.idsB?.length ?? 0);
  const order = examples.map((_, i) => i).sort((a, b) => len(a) - len(b) || a - b);
  const out = new Float32Array(inputs.length * L); // (N, L)
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const batch = packTokenBatch(e, examples, idx, tmax);
    try {
      const z = await head.forward(e, batch, false).read(); // (B, L)
      idx.forEach((i, b) => out.set(z.subarray(b * L, (b + 1) * L), i * L));
    } finally {
      batch.release();
    }
  }
  return out;
}

/**
 * The head's logits on the inputs in input order, through its own input path; `encoded` reports the feature
 * encode (token-id heads: none, 0 s), `seconds` the head's own time (token-id heads: tokenise + WGSL encoder).
 */
export async function inferLogits(
  e: GpuEngine,
  head: Head,
  s: EncoderSession,
  inputs: readonly TextInput[],
  o: { pair: string | undefined; batch: number; label: string; quiet: boolean; rowName?: (i: number) => string },
): Promise<{ logits: Float32Array; encoded: Encoded; seconds: number }> {
  const tmax = s.encoder.tmax;
  const tokenIds = readsTokenIds(head);
  const encoded = tokenIds ? { features: [], seconds: 0, cached: 0 } : await encodeInputs(s, inputs, o.label, o.quiet, o.rowName);
  await s.cache?.close();
  const t0 = performance.now();
  const logits = tokenIds
    ? await tokenHeadLogits(e, head, s.encoder.tokenizer, inputs, tmax, pairModeOf(o.pair), o.batch)
    : await headLogits(e, head, encoded.features, { tmax, batchSize: o.batch });
  return { logits, encoded, seconds: (performance.now() - t0) / 1000 };
}
