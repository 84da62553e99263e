// The encoder's input layer on the GPU: x0 = norm(wordScale * word[ids] + position + tokenType[types]), with
// learned position rows (BERT) or the sinusoidal timing signal (USE-lite, computed on the CPU by inputs.ts),
// and its backward: scatter-adds into the word, position and token-type tables (deterministic, per id).
// Design decision: gathers write one (R, E) sum in place (the first overwrites, the rest accumulate), so the
// forward allocates one tensor (two with a norm) whatever the number of embedding tables.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { addAccumulate } from '../kernels/add';
import { embeddingBackward, embeddingForward, uploadEmbeddingIds, type EmbeddingIds } from '../kernels/embedding';
import { seqConcat, seqConcatBackward } from '../kernels/seq-concat';
import type { PreparedInputs } from './inputs';
import { norm, normBack, type NormSaved } from './ops';
import type { EncoderSpec } from './spec';
import type { EncoderWeights, GpuLayerNorm } from './weights';

interface Table {
  value: GpuTensor;
  grad: GpuTensor | null;
  V: number;
}

export interface GpuEmbeddings {
  E: number;
  wordScale: number;
  word: Table;
  position: Table | null;
  tokenType: Table | null;
  norm: GpuLayerNorm | null;
}

export function gpuEmbeddings(w: EncoderWeights, spec: EncoderSpec): GpuEmbeddings {
  const E = spec.embeddings;
  const table = (t: NonNullable<typeof E.tokenType>): Table => ({ value: w.value(t), grad: w.grad(t), V: t.shape[0] });
  return {
    E: spec.embedWidth,
    wordScale: E.wordScale,
    word: table(E.word),
    position: E.position.kind === 'learned' ? table(E.position.table) : null,
    tokenType: E.tokenType ? table(E.tokenType) : null,
    norm: E.norm ? w.layerNorm(E.norm) : null,
  };
}

export interface EmbeddingsSaved {
  /** (R, E) layer 0's input. */
  out: GpuTensor;
  /** The un-normalised sum (when there is a norm) and the norm's statistics. */
  sum: GpuTensor | null;
  norm: NormSaved | null;
  ids: EmbeddingIds;
  prompt: EmbeddingPrompt | null;
  B: number;
  /** Tokens per example (without the prompt). */
  T: number;
  positions: EmbeddingIds | null;
  types: EmbeddingIds | null;
  /** Release everything but `out`. */
  release(): void;
}

/** Vectors put in front of each example's word embeddings (prompt tuning, L-Tuning prompt). */
export interface EmbeddingPrompt {
  P: number;
  /** (B, P, E), or (P, E) shared by every example. */
  value: GpuTensor;
  shared: boolean;
}

/**
 * x0 for B examples of T tokens (ids (B*T)); with a prompt the sequence is P + T long and `prep` (positions,
 * types, timing) must describe the extended sequence (prompt rows first).
 */
export function embeddingsForward(
  e: GpuEngine,
  P: GpuEmbeddings,
  ids: Uint32Array,
  prep: PreparedInputs,
  s: { B: number; T: number },
  prompt: EmbeddingPrompt | null = null,
): EmbeddingsSaved {
  const { E } = P;
  const S = s.T + (prompt ? prompt.P : 0);
  const R = s.B * S;
  // Every upload first: an upload submits what is already recorded, so uploading between dispatches would
  // split a training step into several command buffers.
  const wordIds = uploadEmbeddingIds(e, ids, P.word.V, 'encoder.ids');
  const positions = P.position ? uploadEmbeddingIds(e, prep.positions, P.position.V, 'encoder.positions') : null;
  const timing = !P.position && prep.timing ? e.tensor([R, E], 'encoder.timing', prep.timing) : null;
  const types = P.tokenType ? uploadEmbeddingIds(e, prep.tokenTypes, P.tokenType.V, 'encoder.tokenTypes') : null;
  const sum = e.tensor([R, E], 'encoder.embeddings');
  if (prompt) {
    const words = e.tensor([s.B * s.T, E], 'encoder.words');
    embeddingForward(e, { table: P.word.value, ids: wordIds, out: words }, { E, scale: P.wordScale });
    seqConcat(e, { head: prompt.value, tail: words, out: sum }, { B: s.B, P: prompt.P, T: s.T, W: E, headShared: prompt.shared });
    words.release();
  } else embeddingForward(e, { table: P.word.value, ids: wordIds, out: sum }, { E, scale: P.wordScale });
  if (P.position && positions) embeddingForward(e, { table: P.position.value, ids: positions, out: sum }, { E, accumulate: true });
  else if (timing) {
    addAccumulate(e, sum, timing);
    timing.release();
  }
  if (P.tokenType && types) embeddingForward(e, { table: P.tokenType.value, ids: types, out: sum }, { E, accumulate: true });
  let n: NormSaved | null = null;
  if (P.norm) n = norm(e, sum, P.norm, R, 'encoder.x0');
  const out = n ? n.y : sum;
  return {
    out,
    prompt,
    B: s.B,
    T: s.T,
    sum: n ? sum : null,
    norm: n,
    ids: wordIds,
    positions,
    types,
    release() {
      if (n) {
        sum.release();
        n.mean.release();
        n.rstd.release();
      }
      wordIds.release();
      positions?.release();
      types?.release();
    },
  };
}

/**
 * Backward from dX0 (R, E): table gradients accumulate (trained encoder); the prompt's gradient goes to
 * `dPrompt` (its shape; written, or added with `accumulate`) when given. Returns dSum (R, E), a new tensor: the
 * gradient of the summed input embeddings.
 */
export function embeddingsBackward(
  e: GpuEngine,
  P: GpuEmbeddings,
  s: EmbeddingsSaved,
  dX0: GpuTensor,
  R: number,
  dPrompt: { dest: GpuTensor; accumulate: boolean } | null = null,
): GpuTensor {
  const { E } = P;
  let dSum: GpuTensor;
  if (P.norm && s.norm && s.sum) dSum = normBack(e, s.sum, P.norm, s.norm, dX0, R, 'encoder.dEmbeddings');
  else {
    dSum = e.tensor([R, E], 'encoder.dEmbeddings');
    e.copy(dX0, dSum);
  }
  let dWords = dSum;
  if (s.prompt) {
    const pr = s.prompt;
    dWords = P.word.grad ? e.tensor([s.B * s.T, E], 'encoder.dWords') : dSum;
    seqConcatBackward(
      e,
      { dOut: dSum, dHead: dPrompt?.dest ?? null, dTail: P.word.grad ? dWords : null },
      { B: s.B, P: pr.P, T: s.T, W: E, headShared: pr.shared, accumulateHead: dPrompt?.accumulate },
    );
  }
  if (P.word.grad) embeddingBackward(e, { ids: s.ids, dOut: dWords, dTable: P.word.grad }, { E, scale: P.wordScale });
  if (dWords !== dSum) dWords.release();
  if (P.position?.grad && s.positions) embeddingBackward(e, { ids: s.positions, dOut: dSum, dTable: P.position.grad }, { E });
  if (P.tokenType?.grad && s.types) embeddingBackward(e, { ids: s.types, dOut: dSum, dTable: P.tokenType.grad }, { E });
  return dSum;
}

