// Inference for the kinds that run the encoder in WGSL themselves on token ids (`finetune`, the L-Tuning kinds):
// tokenise, packTokenBatch, head.forward — shared by the studio (Use, batch prediction) and the CLI (eval,
// predict); feature heads go through ./inference.ts headLogits. Design decision: token-id batches are formed
// from examples sorted by length (little padding, each sequence's own positions unchanged) and the logits are
// written back to each example's input position, so the output order is the input order either way.
import type { TextTokenizer } from '../encoder/tokenizer';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { headEntry, isHeadKind } from '../heads/registry';
import { packTokenBatch, type TrainExample } from './batches';
import { tokenize, type PairMode } from './token-examples';

/** One text, or a pair, to run through a head. */
export interface TextInput {
  text: string;
  textPair?: string;
}

/** The head file's tokenizer.pair as the tokenisation mode of its token-id inputs. */
export function pairModeOf(pair: string | undefined): PairMode {
  return pair === 'pair-input' || pair === 'side-by-side' ? pair : 'none';
}

/** True when the head runs the encoder itself on token ids (no feature encode). */
export function readsTokenIds(head: Pick<Head, 'kind'>): boolean {
  return isHeadKind(head.kind) && headEntry(head.kind).input === 'token-ids';
}

export interface TokenInferOptions {
  /** Examples per forward (default 32). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Logits (N, L) of a token-id head on the inputs, in input order. */
export async function tokenHeadLogits(
  e: GpuEngine,
  head: Head,
  tok: TextTokenizer,
  inputs: readonly TextInput[],
  tmax: number,
  mode: PairMode,
  o: TokenInferOptions = {},
): Promise<Float32Array> {
  const L = head.labels;
  const batchSize = o.batchSize ?? 32;
  const examples: TrainExample[] = inputs.map((x) => ({ tokens: tokenize(tok, x.text, x.textPair, tmax, mode), label: 0 }));
  const len = (i: number) => Math.max(examples[i].tokens!.ids.length, examples[i].tokens!.idsB?.length ?? 0);
  const order = examples.map((_, i) => i).sort((a, b) => len(a) - len(b) || a - b);
  const out = new Float32Array(inputs.length * L); // (N, L)
  for (let s = 0; s < order.length; s += batchSize) {
    o.signal?.throwIfAborted();
    const idx = order.slice(s, s + batchSize);
    const batch = packTokenBatch(e, examples, idx, tmax);
    try {
      const z = await head.forward(e, batch, false).read(); // (B, L)
      idx.forEach((i, b) => out.set(z.subarray(b * L, (b + 1) * L), i * L));
    } finally {
      batch.release();
    }
    o.onProgress?.(Math.min(s + batchSize, order.length), order.length);
  }
  return out;
}
