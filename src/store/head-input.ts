// The active head's logits on texts through its own input path, for the Use step (playground, batch prediction):
// cached features from the encoder worker (feature heads), or token ids for the kinds that run the encoder in WGSL
// (full fine-tuning, the L-Tuning kinds: the page's tokenizer, then src/train/token-inference.ts, the path the CLI's
// eval and predict share). Design decision: one function decides by the registry entry's `input`, so the two
// callers cannot disagree about which path a head takes; token-id heads encode nothing and return no features.
import type { EncodeInput } from '../encoder/encode';
import type { EncodedExample } from '../encoder/types';
import { headLogits } from '../train/inference';
import { pairModeOf, readsTokenIds, tokenHeadLogits } from '../train/token-inference';
import { syncCacheStats } from './encoder-workflows';
import type { ActiveHead, ReadyClient, ReadyEngine } from './use-ready';
import { wgslModel } from './wgsl-model';

export interface HeadInputOptions {
  signal?: AbortSignal;
  /** Encoding progress of a feature head's texts (token-id heads: not called). */
  onEncode?: (done: number, total: number) => void;
  /** Prediction progress (examples through the head): (0, N) when the head starts, then after each batch. */
  onPredict?: (done: number, total: number) => void;
}

/** Logits (N, L) in input order, and the features a feature head read (null for token-id heads). */
export async function activeHeadLogits(
  r: { head: ActiveHead; client: ReadyClient; e: ReadyEngine },
  inputs: readonly EncodeInput[],
  o: HeadInputOptions = {},
): Promise<{ logits: Float32Array; features: EncodedExample[] | null }> {
  const { head, client, e } = r;
  const tmax = head.info.tmax;
  if (readsTokenIds(head.head)) {
    const model = await wgslModel();
    o.onPredict?.(0, inputs.length);
    const logits = await tokenHeadLogits(e, head.head, model.tokenizer, inputs, tmax, pairModeOf(head.info.meta.tokenizer.pair), { signal: o.signal, onProgress: o.onPredict });
    return { logits, features: null };
  }
  const features = await client.encode(inputs, { tmax, signal: o.signal, onProgress: o.onEncode ? (p) => o.onEncode!(p.done, p.total) : undefined });
  syncCacheStats();
  o.onPredict?.(0, inputs.length);
  const logits = await headLogits(e, head.head, features, { tmax, pair: head.info.pair, signal: o.signal, onProgress: o.onPredict });
  return { logits, features };
}
