// Label tuning of the seeds: trainable label vectors S (L, C), initialised from the pooled label-text seeds s_l,
// logits z_bl = scale * <f_b, S_l>. f is the pooled vector, or for pairs encoded side by side the mean of both
// sides' pooled vectors (u + v) / 2, which stays in the seeds' embedding space. Design decision: the temperature
// `scale` is a FIXED hyperparameter (default 1), not learned: with S itself trainable a learned scale is
// redundant (it only rescales S), and AdamW's per-element steps already let S grow to sharpen the softmax.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { matmul } from '../kernels/matmul';
import type { Head, HeadBatch, HeadParam } from './head';

export interface LabelTuningHeadConfig {
  /** Encoder width C. */
  C: number;
  /** Number of labels L. */
  labels: number;
  /** (L, C) pooled label-text seeds, row-major: the initial S. */
  seeds: ArrayLike<number>;
  /** Fixed logit scale (inverse temperature), default 1. */
  scale?: number;
  /** AdamW weight decay on S (default false: decay would pull S towards 0, away from the seeds). */
  decay?: boolean;
}

export class LabelTuningHead implements Head {
  readonly kind = 'label';
  readonly labels: number;
  readonly params: readonly HeadParam[];
  readonly scale: number;
  private S: HeadParam;
  private logits: GpuTensor | null = null;

  constructor(
    e: GpuEngine,
    readonly config: LabelTuningHeadConfig,
  ) {
    const { C, labels: L, seeds } = config;
    if (!Number.isInteger(C) || C < 1) throw new Error(`LabelTuningHead: C must be a positive integer, got ${C}`);
    if (!Number.isInteger(L) || L < 1) throw new Error(`LabelTuningHead: labels must be a positive integer, got ${L}`);
    if (seeds.length !== L * C) throw new Error(`LabelTuningHead: seeds have ${seeds.length} values, (L ${L}, C ${C}) needs ${L * C}`);
    this.scale = config.scale ?? 1;
    if (!Number.isFinite(this.scale) || this.scale === 0) throw new Error(`LabelTuningHead: scale must be finite and non-zero, got ${this.scale}`);
    this.labels = L;
    this.S = { name: 'S', value: e.tensor([L, C], 'label.S', Float32Array.from(seeds)), grad: e.zeros([L, C], 'label.dS'), decay: config.decay ?? false };
    this.params = [this.S];
  }

  forward(e: GpuEngine, batch: HeadBatch, _train: boolean): GpuTensor {
    const { B } = batch;
    const { C } = this.config;
    const L = this.labels;
    if (!this.logits || this.logits.shape[0] !== B) {
      this.logits?.release();
      this.logits = e.tensor([B, L], 'label.logits');
    }
    // Z (B, L) = scale * f (B, C) S^T; for pairs f = (u + v) / 2 as two products, the second accumulating.
    const half = batch.pooledB ? 0.5 : 1;
    matmul(e, batch.pooled, this.S.value, this.logits, { M: B, K: C, N: L, transB: true, bBatched: false, alpha: half * this.scale });
    if (batch.pooledB) {
      matmul(e, batch.pooledB, this.S.value, this.logits, { M: B, K: C, N: L, transB: true, bBatched: false, alpha: half * this.scale, accumulate: true });
    }
    return this.logits;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    const { B } = batch;
    const { C } = this.config;
    const L = this.labels;
    // dS (L, C) += scale * dZ^T (L, B) f (B, C)
    const half = batch.pooledB ? 0.5 : 1;
    for (const f of batch.pooledB ? [batch.pooled, batch.pooledB] : [batch.pooled]) {
      matmul(e, dLogits, f, this.S.grad, { M: L, K: B, N: C, transA: true, alpha: half * this.scale, accumulate: true });
    }
  }

  dispose(): void {
    this.S.value.release();
    this.S.grad.release();
    this.logits?.release();
    this.logits = null;
  }
}
