// A trainable tensor as the optimizer sees it: value, gradient, weight-decay flag, learning-rate scale. Design
// decision: defined at the bottom (gpu/), so heads/ (HeadParam) and model/ (the encoder's weights) share it
// without either importing the other.
import type { GpuTensor } from './engine';

export interface Param {
  name: string;
  value: GpuTensor;
  /** Gradient of the same shape; accumulates (+=) during backward, zeroed by the optimizer step. */
  grad: GpuTensor;
  /** AdamW weight decay applies (false for biases, LayerNorm parameters, embeddings by choice). */
  decay: boolean;
  /** Multiplier of the learning rate for this tensor (layer-wise lr decay); default 1. */
  lrScale?: number;
}
