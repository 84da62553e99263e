// The encoding pipeline: inputs -> cache lookups -> token sequences -> length-bucketed batches -> session runs
// -> per-example unpadded token states and pooled vectors, in input order.
// Design decisions:
// - Pairs go through the model's pair input when it has one (one sequence, [CLS] a [SEP] b [SEP]); otherwise
//   each side is its own sequence, truncated to Tmax on its own, and the example holds both sides' token rows
//   (A then B, segmentA = A's length) with pooled = A's vector and pooledB = B's.
// - pooled is the model's own sentence-embedding output where it has one, else the masked mean of the token
//   states (a text with no tokens at all is one masked pad token: tokenizer.ts).
// - Only cache misses are encoded; each finished example is written to the cache before the next batch runs,
//   so a cancelled run keeps what it paid for. Cancellation is checked between batches (AbortError).
import { DEFAULT_BATCH, maskedMeanRows, padBatch, planBatches, unpadRow } from './batching';
import { cacheKey as defaultCacheKey } from './cache-key';
import { describe } from './model-files';
import type { EncoderSession } from './session';
import type { TextTokenizer, TokenizedText } from './tokenizer';
import type { EncodedExample, EncodeProgress, FeatureStore } from './types';

export interface EncodeInput {
  text: string;
  /** Side B of a sentence pair. */
  textPair?: string;
}

export interface EncodeOptions {
  /** Token limit per sequence (clipped to the model's maxTokens). Default: the Encoder's tmax. */
  tmax?: number;
  /** Most padded tokens (rows x seq) per session run (default 4096). */
  batchTokens?: number;
  /** Most sequences per session run (default 64). */
  maxBatch?: number;
  /** Feature cache: hits are returned as stored, misses are encoded and put. */
  cache?: FeatureStore;
  /** Cache key of an input; default cacheKey({ modelHash, tmax, text, textPair }) from cache-key.ts. */
  cacheKey?: (input: EncodeInput) => Promise<string>;
  /** Called after the cache lookups and after every batch. */
  onProgress?: (p: EncodeProgress) => void;
  /** Cancels between batches: the promise rejects with a DOMException named "AbortError". */
  signal?: AbortSignal;
}

/** Everything the pipeline needs from a loaded encoder. */
export interface EncodeContext {
  session: EncoderSession;
  tokenizer: TextTokenizer;
  /** Resolved token limit (already clipped to the model's maxTokens). */
  tmax: number;
}

/** One model input sequence and where its result goes. */
interface SeqJob {
  input: number;
  part: 'whole' | 'a' | 'b';
  tokens: TokenizedText;
}

interface PartResult {
  tokens: Float32Array;
  length: number;
  pooled: Float32Array;
}

export async function encodeInputs(ctx: EncodeContext, inputs: readonly EncodeInput[], opts: EncodeOptions = {}): Promise<EncodedExample[]> {
  const { session, tokenizer, tmax } = ctx;
  const { info } = session;
  const c = info.hiddenSize;
  checkInputs(inputs);
  throwIfAborted(opts.signal, 0, inputs.length);

  const results: (EncodedExample | undefined)[] = new Array(inputs.length);
  const keys: (string | undefined)[] = new Array(inputs.length);
  let cached = 0;
  if (opts.cache) {
    const keyOf = opts.cacheKey ?? ((inp: EncodeInput) => defaultCacheKey({ modelHash: info.hash, tmax, text: inp.text, textPair: inp.textPair }));
    const CHUNK = 256; // bounded concurrency for large datasets
    for (let start = 0; start < inputs.length; start += CHUNK) {
      const idx = Array.from({ length: Math.min(CHUNK, inputs.length - start) }, (_, k) => start + k);
      await Promise.all(idx.map(async (i) => {
        keys[i] = await keyOf(inputs[i]);
        const hit = await opts.cache!.get(keys[i]!);
        if (hit && hit.pooled.length === c && hit.tokens.length === hit.length * c) {
          results[i] = hit;
          cached++;
        }
      }));
    }
  }

  // Sequences of the misses.
  const jobs: SeqJob[] = [];
  const partsLeft = new Array<number>(inputs.length).fill(0);
  for (const [i, inp] of inputs.entries()) {
    if (results[i]) continue;
    const tokenize = (text: string, pair: string | undefined) => {
      try {
        return tokenizer.encode(text, pair, tmax);
      } catch (err) {
        throw new InputError(i, `input ${i + 1} (${preview(text)}) could not be tokenised: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    if (inp.textPair === undefined || info.hasPairInput) {
      jobs.push({ input: i, part: 'whole', tokens: tokenize(inp.text, inp.textPair) });
      partsLeft[i] = 1;
    } else {
      jobs.push({ input: i, part: 'a', tokens: tokenize(inp.text, undefined) });
      jobs.push({ input: i, part: 'b', tokens: tokenize(inp.textPair, undefined) });
      partsLeft[i] = 2;
    }
  }

  const total = inputs.length;
  let done = cached;
  let encoded = 0;
  const t0 = now();
  const report = () => {
    if (!opts.onProgress) return;
    const secs = (now() - t0) / 1000;
    const rate = encoded > 0 && secs > 0 ? encoded / secs : 0;
    const left = total - done;
    opts.onProgress({ done, total, textsPerSecond: rate, etaSeconds: left === 0 ? 0 : rate > 0 ? left / rate : NaN, cached });
  };
  report();

  const parts = new Map<number, { a?: PartResult; b?: PartResult }>();
  const plans = planBatches(jobs.map((j) => j.tokens.ids.length), {
    batchTokens: opts.batchTokens ?? DEFAULT_BATCH.batchTokens,
    maxBatch: opts.maxBatch ?? DEFAULT_BATCH.maxBatch,
  });
  for (const plan of plans) {
    throwIfAborted(opts.signal, done, total);
    const b = padBatch(jobs.map((j) => j.tokens), plan, tokenizer.padId);
    const out = await session.run(session.feeds(b.rows, b.seq, b.ids, b.mask, b.typeIds));
    const puts: Promise<void>[] = [];
    for (const [r, jobIndex] of plan.indices.entries()) {
      const job = jobs[jobIndex];
      const length = b.lengths[r];
      const tokens = unpadRow(out.hidden, r, b.seq, c, length);
      const pooled = out.pooled ? out.pooled.slice(r * c, (r + 1) * c) : maskedMeanRows(tokens, job.tokens.attentionMask, c);
      const part: PartResult = { tokens, length, pooled };
      let example: EncodedExample | undefined;
      if (job.part === 'whole') example = part;
      else {
        const p = parts.get(job.input) ?? {};
        p[job.part] = part;
        parts.set(job.input, p);
        if (p.a && p.b) {
          example = joinSides(p.a, p.b, c);
          parts.delete(job.input);
        }
      }
      if (--partsLeft[job.input] === 0 && example) {
        results[job.input] = example;
        if (opts.cache) puts.push(opts.cache.put(keys[job.input]!, example));
        done++;
        encoded++;
      }
    }
    await Promise.all(puts);
    report();
  }
  return results as EncodedExample[];
}

/** One input could not be encoded; `index` is its position in the inputs (callers map it to a file line). */
export class InputError extends Error {
  constructor(readonly index: number, message: string) {
    super(`encode: ${message}`);
    this.name = 'InputError';
  }
}

/** The start of a text, for messages: "a pasted blob…" (2,000,000 characters). */
function preview(text: string): string {
  const head = JSON.stringify(text.slice(0, 40));
  return text.length > 40 ? `${head.slice(0, -1)}…" (${text.length.toLocaleString('en-US')} characters)` : head;
}

/** Both sides of a pair encoded separately: rows of A then B, pooled = A's, pooledB = B's. */
function joinSides(a: PartResult, b: PartResult, c: number): EncodedExample {
  const tokens = new Float32Array((a.length + b.length) * c);
  tokens.set(a.tokens, 0);
  tokens.set(b.tokens, a.length * c);
  return { tokens, length: a.length + b.length, pooled: a.pooled, segmentA: a.length, pooledB: b.pooled };
}

function checkInputs(inputs: readonly EncodeInput[]): void {
  if (!Array.isArray(inputs)) throw new Error(`encode: expected an array of { text, textPair? }, got ${describe(inputs)}`);
  for (const [i, inp] of inputs.entries()) {
    if (typeof inp !== 'object' || inp === null || typeof inp.text !== 'string') {
      throw new Error(`encode: input ${i} must be { text: string, textPair?: string }, got ${describe(inp)}`);
    }
    if (inp.textPair !== undefined && typeof inp.textPair !== 'string') {
      throw new Error(`encode: input ${i} has a textPair that is not a string: ${describe(inp.textPair)}`);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined, done: number, total: number): void {
  if (signal?.aborted) throw new DOMException(`encoding cancelled after ${done} of ${total} texts`, 'AbortError');
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
