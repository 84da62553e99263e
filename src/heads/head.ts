// The contract every trainable label head implements, so one trainer drives them all. Design decision: a head
// only *records* GPU work — forward to logits (B, L), backward from dLogits into its parameter gradients — and
// never submits or reads back; the trainer owns the loss, the clip + AdamW step and the one command buffer per step.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { Param } from '../gpu/param';
import type { TokenBatch } from '../model/inputs';
import type { HeadKind } from './registry';

/** One padded batch of cached encoder features, already on the GPU. */
export interface HeadBatch {
  /** Examples in the batch. */
  B: number;
  /** Padded token count (the longest example in the batch, <= Tmax). */
  T: number;
  /** (B, T, C) token states, zero beyond each example's length. */
  tokens: GpuTensor;
  /** (B, T) 1 for a real token, 0 for padding. */
  mask: GpuTensor;
  /** (B, C) pooled sentence vectors (side A's for pairs encoded side by side). */
  pooled: GpuTensor;
  /** (B, C) side B's pooled vectors for pairs encoded side by side; null otherwise. */
  pooledB: GpuTensor | null;
  /**
   * Token ids for heads that run the encoder themselves (fine-tuning): B sequences, or 2B for pairs encoded
   * side by side (side A's rows, then side B's). Such batches carry no cached features: tokens and pooled are
   * then empty (B, T, 0) / (B, 0) tensors.
   */
  ids?: TokenBatch;
  /**
   * (B*k) label ids, k per text: the (text, label) pairs a pair-scoring head (`Head.scoresPairs`) must score
   * (the match objective's true and false label); the other logits are then 0. Absent: score every label.
   */
  pairs?: Uint32Array;
}

/** A head's trainable tensor (src/gpu/param.ts). */
export type HeadParam = Param;

export interface Head {
  /** The registry's name of this kind (./registry.ts). */
  readonly kind: HeadKind;
  /** Number of labels L. */
  readonly labels: number;
  readonly params: readonly HeadParam[];
  /**
   * The tensors its file stores, when they are not `params`: a head loaded for inference only (no gradients,
   * so no params; e.g. a `finetune` head loaded with `trainable: false`) still exports its trained values.
   */
  readonly weights?: readonly { name: string; value: GpuTensor }[];
  /** The head runs the encoder per (text, label) pair and accepts `HeadBatch.pairs` (L-Tuning). */
  readonly scoresPairs?: boolean;
  /** Record the forward pass; returns logits (B, L) (owned by the head, valid until the next forward). */
  forward(e: GpuEngine, batch: HeadBatch, train: boolean): GpuTensor;
  /** Record the backward pass from dLogits (B, L) of the last forward; gradients accumulate into params. */
  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void;
  /** Release every GPU buffer the head owns. */
  dispose(): void;
  /**
   * Heads whose labels attend over the text's tokens (Y-Tuning's label decoder): run a forward of `batch` and read
   * the last layer's label -> token attention (the playground's attention view). Absent on the other kinds.
   */
  crossAttention?(e: GpuEngine, batch: HeadBatch): Promise<CrossAttentionMap>;
}

/** The last decoder layer's cross-attention of one batch (for the playground's attention view). */
export interface CrossAttentionMap {
  /** (B, H, L, Tm) probabilities: query label l of head h over key j; keys 0..T-1 are tokens, key T the pooled token. */
  weights: Float32Array;
  B: number;
  H: number;
  L: number;
  /** Keys per example: T tokens + 1 pooled token. Padded token keys have weight exactly 0. */
  Tm: number;
}
