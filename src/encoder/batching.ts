// Length-bucketed batching of token sequences: plan batches, pad them into int64 tensors, split results back.
// Design decision: sequences are sorted by length (longest first, ties by input position) and cut into batches
// whose padded size batch*seq stays within a token budget, so padding waste stays small and the first batch
// is the most expensive one (memory peaks early, the ETA errs long). Each batch keeps the input indices of its
// rows, so results are written back to their input slots and the caller's order is restored.
import type { TokenizedText } from './tokenizer';

export interface BatchPlan {
  /** Input indices of this batch's rows, in row order. */
  indices: number[];
  /** Padded length: the longest sequence in the batch. */
  seq: number;
}

export interface BatchOptions {
  /** Most padded tokens (rows x seq) per batch; a single longer sequence still gets a batch of its own. */
  batchTokens: number;
  /** Most rows per batch. */
  maxBatch: number;
}

export const DEFAULT_BATCH: BatchOptions = { batchTokens: 4096, maxBatch: 64 };

/** Plan batches over sequences of the given lengths (every index appears exactly once). */
export function planBatches(lengths: readonly number[], opts: BatchOptions = DEFAULT_BATCH): BatchPlan[] {
  const { batchTokens, maxBatch } = opts;
  if (!Number.isInteger(batchTokens) || batchTokens < 1) throw new Error(`batchTokens must be a positive integer, got ${batchTokens}`);
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  for (const [i, n] of lengths.entries()) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`sequence ${i} has length ${n}; every sequence needs at least one token`);
  }
  const order = lengths.map((_, i) => i).sort((x, y) => lengths[y] - lengths[x] || x - y);
  const plans: BatchPlan[] = [];
  let cur: BatchPlan | null = null;
  for (const i of order) {
    // Longest first: the batch's seq is its first row's length, so adding a row costs seq tokens.
    if (cur && cur.indices.length < maxBatch && (cur.indices.length + 1) * cur.seq <= batchTokens) {
      cur.indices.push(i);
    } else {
      cur = { indices: [i], seq: lengths[i] };
      plans.push(cur);
    }
  }
  return plans;
}

/** int64 model inputs of one batch, padded on the right: (rows, seq) each. */
export interface PaddedBatch {
  rows: number;
  seq: number;
  ids: BigInt64Array;
  mask: BigInt64Array;
  typeIds: BigInt64Array;
  /** Real (unpadded) length of each row. */
  lengths: number[];
}

/** Pad the planned rows to the batch's length with `padId` (mask 0, type 0). */
export function padBatch(seqs: readonly TokenizedText[], plan: BatchPlan, padId: number): PaddedBatch {
  const rows = plan.indices.length;
  const { seq } = plan;
  const ids = new BigInt64Array(rows * seq).fill(BigInt(padId));
  const mask = new BigInt64Array(rows * seq);
  const typeIds = new BigInt64Array(rows * seq);
  const lengths: number[] = [];
  plan.indices.forEach((idx, r) => {
    const s = seqs[idx];
    const n = s.ids.length;
    if (n > seq) throw new Error(`sequence ${idx} has ${n} tokens, more than its batch's length ${seq}`);
    for (let t = 0; t < n; t++) {
      ids[r * seq + t] = BigInt(s.ids[t]);
      mask[r * seq + t] = BigInt(s.attentionMask[t]);
      typeIds[r * seq + t] = BigInt(s.typeIds[t]);
    }
    lengths.push(n);
  });
  return { rows, seq, ids, mask, typeIds, lengths };
}

/** Row r's first `length` token states from a (rows, seq, C) block, copied out. */
export function unpadRow(hidden: Float32Array, r: number, seq: number, c: number, length: number): Float32Array {
  const start = r * seq * c;
  return hidden.slice(start, start + length * c);
}

/** Masked mean of a (length, C) block: the rows whose mask is 1; a zero vector when no row is (an empty text). */
export function maskedMeanRows(tokens: Float32Array, mask: readonly number[], c: number): Float32Array {
  const acc = new Float64Array(c);
  let n = 0;
  mask.forEach((m, t) => {
    if (m === 0) return;
    n++;
    for (let j = 0; j < c; j++) acc[j] += tokens[t * c + j];
  });
  return Float32Array.from(acc, (v) => v / Math.max(n, 1));
}
