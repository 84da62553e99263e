// The playground: one text (or pair) -> the active head's label probabilities, and for heads whose labels attend
// over the tokens (Head.crossAttention: Y-Tuning) which tokens each label attended to. Design decision: the same
// inference path as batch prediction and the CLI (src/train/inference.ts); the attention view is optional and
// its failure is a note, never a failed prediction.
import type { EncodedExample } from '../encoder/types';
import type { Head } from '../heads/head';
import { packBatch } from '../train/batches';
import { argmaxRows } from '../train/inference';
import { headProbabilities, predictedSets } from '../train/head-probs';
import { labelTokenAttention } from './attention-view';
import { getEncoderClient } from './encoder-workflows';
import { activeHeadLogits } from './head-input';
import { useStudio } from './store';
import { headReadsPairs, message, ready, type ReadyEngine } from './use-ready';
import type { AttentionView } from './use-slice';

const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setUse']>[0]) => useStudio.getState().setUse(patch);

/** Predict one text (or pair) with the active head; heads with label attention also give the attention view. */
export async function predictText(text: string, textPair?: string): Promise<void> {
  const r = ready();
  if (typeof r === 'string') return set({ playError: r, playResult: null });
  const { head, e } = r;
  const pairHead = headReadsPairs(head.info);
  // Trimmed, as training reads texts (data/dataset.ts).
  text = text.trim();
  textPair = textPair?.trim();
  if (text === '') return set({ playError: 'Type a text first.', playResult: null });
  if (pairHead && !textPair) return set({ playError: 'This head reads sentence pairs: type the second text too.', playResult: null });
  const input = pairHead ? { text, textPair: textPair! } : { text };
  set({ playBusy: true, playError: null });
  const t0 = performance.now();
  try {
    const { logits, features } = await activeHeadLogits(r, [input]);
    const L = head.head.labels;
    const probs = Array.from(headProbabilities(logits, L, head.info.meta)); // calibrated when the head has a temperature
    const predicted = argmaxRows(probs, L)[0];
    const task = head.info.meta.task;
    const multi = task?.multiLabel ? { predictedSet: predictedSets(probs, L, task.thresholds)[0], thresholds: task.thresholds ?? new Array<number>(L).fill(0.5) } : {};
    let attention: AttentionView | null = null;
    let attentionNote: string | null = null;
    if (head.head.crossAttention && features) {
      try {
        attention = await attentionOf(head.head, e, features[0], input, head.info.tmax);
      } catch (err) {
        attentionNote = `The attention view could not be read: ${message(err)}`;
      }
    } else {
      attentionNote = `A ${head.info.kind} head has no label decoder: the attention view is for Y-Tuning heads.`;
    }
    set({
      playResult: { headId: head.info.id, ...input, labels: head.info.meta.labels, labelTexts: head.info.meta.labelTexts, probs, predicted, ...multi, attention, attentionNote, ms: performance.now() - t0 },
    });
  } catch (err) {
    set({ playError: `Prediction failed: ${message(err)}`, playResult: null });
  } finally {
    set({ playBusy: false });
  }
}

async function attentionOf(head: Head, e: ReadyEngine, features: EncodedExample, input: { text: string; textPair?: string }, tmax: number): Promise<AttentionView> {
  const client = getEncoderClient();
  if (!client) throw new Error('the encoder is gone');
  const [tokens] = await client.tokenize([input], { tmax });
  const batch = packBatch(e, [{ features, label: 0 }], [0], tmax);
  try {
    const map = await head.crossAttention!(e, batch);
    const n = Math.min(batch.T, features.length);
    const { perLabel, pooled } = labelTokenAttention(map, 0, n);
    if (tokens.length < n) throw new Error(`the tokenizer gave ${tokens.length} tokens for ${n} token rows`);
    return { tokens: tokens.slice(0, n), perLabel, pooled };
  } finally {
    batch.release();
  }
}
