// Host-side preparation of one padded batch of token ids for the WGSL encoder: positions, the effective mask,
// token types and the sinusoidal timing signal, all computed on the CPU where the ids already are. Design
// decision: everything that depends only on the ids and the mask is plain arithmetic here (float64 for the
// timing signal, rounded once), so the GPU side is gathers, matmuls and reductions only, and the float64
// reference encoder computes the very same positions from the very same code.
import type { EncoderSpec } from './spec';

/** One padded batch of token ids, row-major (B, T). */
export interface TokenBatch {
  B: number;
  T: number;
  /** (B, T) token ids; padding rows hold any valid id (0). */
  ids: Uint32Array;
  /** (B, T) 1 for a real token, 0 for padding. */
  mask: Float32Array;
  /** (B, T) segment ids (BERT pair input); null: all 0. */
  tokenTypes: Uint32Array | null;
}

export interface PreparedInputs {
  /** (B*T) position of each token (0 for padding). */
  positions: Uint32Array;
  /** (B*T) the mask the model really applies (USE-lite drops tokens at position >= maxTokens). */
  mask: Float32Array;
  /** (B*T) token types (zeros when the batch has none). */
  tokenTypes: Uint32Array;
  /** (B*T, E) sinusoidal timing signal times its scale; null for learned positions. */
  timing: Float32Array | null;
}

/** Check a batch against the model: sizes, ids in the vocabulary, length within the model's limit. */
export function checkTokenBatch(spec: EncoderSpec, b: TokenBatch): void {
  const n = b.B * b.T;
  if (!Number.isInteger(b.B) || b.B < 1 || !Number.isInteger(b.T) || b.T < 1) throw new Error(`encoder batch: B and T must be positive integers, got B=${b.B}, T=${b.T}`);
  if (b.ids.length !== n || b.mask.length !== n) throw new Error(`encoder batch: ids and mask must hold B*T = ${n} values, got ${b.ids.length} and ${b.mask.length}`);
  if (b.tokenTypes && b.tokenTypes.length !== n) throw new Error(`encoder batch: tokenTypes must hold B*T = ${n} values, got ${b.tokenTypes.length}`);
  if (spec.embeddings.positionFrom === 'index' && b.T > spec.maxTokens) {
    throw new Error(`encoder batch: ${b.T} tokens per row, the model has ${spec.maxTokens} positions: lower Tmax to ${spec.maxTokens}`);
  }
  for (let i = 0; i < n; i++) {
    if (b.ids[i] >= spec.vocabSize) throw new Error(`encoder batch: token id ${b.ids[i]} at row ${Math.floor(i / b.T)}, position ${i % b.T} is outside the vocabulary (${spec.vocabSize} ids)`);
  }
  const types = spec.embeddings.tokenType ? spec.embeddings.tokenType.shape[0] : 1;
  if (b.tokenTypes) {
    for (let i = 0; i < n; i++) {
      if (b.tokenTypes[i] >= types) throw new Error(`encoder batch: token type ${b.tokenTypes[i]} at row ${Math.floor(i / b.T)} is outside the model's ${types} types`);
    }
  }
}

/** Positions, effective mask, token types and timing for a batch (see PreparedInputs). */
export function prepareInputs(spec: EncoderSpec, b: TokenBatch): PreparedInputs {
  checkTokenBatch(spec, b);
  const { B, T } = b;
  const positions = new Uint32Array(B * T);
  const mask = new Float32Array(B * T);
  for (let r = 0; r < B; r++) {
    let seen = 0;
    for (let t = 0; t < T; t++) {
      const i = r * T + t;
      const on = b.mask[i] > 0;
      if (spec.embeddings.positionFrom === 'index') {
        positions[i] = t;
        mask[i] = on ? 1 : 0;
      } else {
        // cumsum(mask) - 1: the position among real tokens; padding gets cumsum - 1 too (its row is meaningless).
        if (on) seen++;
        const p = Math.max(0, seen - 1);
        positions[i] = p;
        mask[i] = on && seen - 1 < spec.maxTokens ? 1 : 0;
      }
    }
  }
  const tokenTypes = b.tokenTypes ? Uint32Array.from(b.tokenTypes) : new Uint32Array(B * T);
  let timing: Float32Array | null = null;
  const pos = spec.embeddings.position;
  if (pos.kind === 'sinusoid') {
    const E = spec.embedWidth;
    const half = pos.invTimescales.length;
    if (2 * half !== E) throw new Error(`encoder: timing signal has ${2 * half} channels, embeddings have ${E}`);
    timing = new Float32Array(B * T * E);
    const first = pos.order === 'sin-cos' ? Math.sin : Math.cos;
    const second = pos.order === 'sin-cos' ? Math.cos : Math.sin;
    for (let i = 0; i < B * T; i++) {
      const p = positions[i];
      for (let j = 0; j < half; j++) {
        const a = p * pos.invTimescales[j];
        timing[i * E + j] = pos.scale * first(a);
        timing[i * E + half + j] = pos.scale * second(a);
      }
    }
  }
  return { positions, mask, tokenTypes, timing };
}
