// Full fine-tuning as a head kind: the whole encoder (src/model, every weight trainable) plus a linear
// classifier on its pooled sentence vector, logits (B, L) = x W + b. x is the pooled vector, or for pairs
// encoded side by side (an encoder without a pair input) the pair features [u, v, |u-v|, u*v] of the two sides'
// pooled vectors. Design decision: a side-by-side pair batch runs as ONE encoder batch of 2B sequences (side A's
// rows, then side B's), so one forward and one backward serve both sides and u, v are row ranges of one pooled
// tensor; pairs through a real pair input arrive as one joint sequence with token types and need nothing special.
// `trainable: false` (eval, predict, export of a head file) allocates no gradients at all: no `params`, the
// stored tensors are listed in `weights`, and backward() refuses.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { biasGrad, matmul, matmulBackward } from '../kernels/matmul';
import { pairFeatures, pairFeaturesBackward } from '../kernels/pair-features';
import { WgslEncoder } from '../model/encoder';
import { specTensors, type EncoderSpec } from '../model/spec';
import type { Head, HeadBatch, HeadParam } from './head';
import { seededNormals } from './init';

export interface FinetuneHeadConfig {
  spec: EncoderSpec;
  labels: number;
  /** Pairs encoded side by side: every batch holds 2B sequences (A rows then B rows). */
  pair: boolean;
  seed: number;
  /** Per-layer recomputation in the encoder's backward (less memory, ~1 more layer forward per layer). */
  recompute?: boolean;
  /**
   * Layer-wise learning-rate decay: the top layer (and pooling, classifier) trains at the base rate, layer l of
   * N at decay^(N - l), the embeddings at decay^(N + 1)... 1 (the default) disables it.
   */
  layerDecay?: number;
  /**
   * false: inference only (eval, predict, export): no gradients for the encoder or the classifier, about half the
   * GPU memory of the weights. Default true.
   */
  trainable?: boolean;
  /** Initial classifier (D, L) and bias (L) (import of a trained head); default N(0, 0.02^2) and zeros. */
  W?: ArrayLike<number>;
  b?: ArrayLike<number>;
}

export class FinetuneHead implements Head {
  readonly kind = 'finetune';
  readonly labels: number;
  readonly params: readonly HeadParam[];
  /** Every tensor the head file stores (the params' values when trainable), in file order. */
  readonly weights: readonly { name: string; value: GpuTensor }[];
  readonly trainable: boolean;
  readonly encoder: WgslEncoder;
  /** Classifier input width: pooled width C', or 4C' for side-by-side pairs. */
  readonly D: number;
  private readonly W: { name: string; value: GpuTensor; grad: GpuTensor | null };
  private readonly b: { name: string; value: GpuTensor; grad: GpuTensor | null };
  private logits: GpuTensor | null = null;
  /** The classifier's input of the last forward (B, D), owned here for pairs; the encoder's pooled otherwise. */
  private X: GpuTensor | null = null;
  private pairScratch: { u: GpuTensor; v: GpuTensor; X: GpuTensor } | null = null;

  constructor(
    e: GpuEngine,
    readonly config: FinetuneHeadConfig,
  ) {
    const L = config.labels;
    if (!Number.isInteger(L) || L < 2) throw new Error(`FinetuneHead: needs at least 2 labels, got ${L}`);
    const decay = config.layerDecay ?? 1;
    if (!(decay > 0 && decay <= 1)) throw new Error(`FinetuneHead: layer-wise lr decay must be in (0, 1], got ${decay}`);
    this.labels = L;
    this.trainable = config.trainable ?? true;
    const trainable = this.trainable;
    this.encoder = new WgslEncoder(e, config.spec, { trainable, recompute: config.recompute });
    const Cp = this.encoder.pooledWidth;
    this.D = config.pair ? 4 * Cp : Cp;
    const D = this.D;
    if (config.W && config.W.length !== D * L) throw new Error(`FinetuneHead: W has ${config.W.length} values, (D ${D}, L ${L}) needs ${D * L}`);
    if (config.b && config.b.length !== L) throw new Error(`FinetuneHead: b has ${config.b.length} values, L is ${L}`);
    const W0 = config.W ? Float32Array.from(config.W) : Float32Array.from(seededNormals(D * L, config.seed, 0.02));
    this.W = { name: 'classifier.W', value: e.tensor([D, L], 'finetune.W', W0), grad: trainable ? e.zeros([D, L], 'finetune.dW') : null };
    this.b = {
      name: 'classifier.b',
      value: config.b ? e.tensor([L], 'finetune.b', Float32Array.from(config.b)) : e.zeros([L], 'finetune.b'),
      grad: trainable ? e.zeros([L], 'finetune.db') : null,
    };
    this.weights = [
      ...specTensors(config.spec).map(({ name, tensor }) => ({ name: `encoder.${name}`, value: this.encoder.weights.value(tensor) })),
      { name: this.W.name, value: this.W.value },
      { name: this.b.name, value: this.b.value },
    ];
    const N = config.spec.layers.length;
    const scaleOf = (name: string): number => {
      if (decay === 1) return 1;
      const m = /^encoder\.layers\.(\d+)\./.exec(name);
      if (m) return decay ** (N - Number(m[1]));
      if (name.startsWith('encoder.embeddings.')) return decay ** (N + 1);
      return 1; // pooling dense layers
    };
    this.params = trainable
      ? [
          ...this.encoder.params.map((p) => ({ ...p, lrScale: scaleOf(p.name) })),
          { name: this.W.name, value: this.W.value, grad: this.W.grad!, decay: true },
          { name: this.b.name, value: this.b.value, grad: this.b.grad!, decay: false },
        ]
      : [];
  }

  private sequences(batch: HeadBatch) {
    const ids = batch.ids;
    if (!ids) throw new Error('FinetuneHead: the batch carries no token ids (fine-tuning trains on token ids, not cached features)');
    const want = this.config.pair ? 2 * batch.B : batch.B;
    if (ids.B !== want) {
      throw new Error(`FinetuneHead: ${this.config.pair ? 'a side-by-side pair head needs 2B sequences (A rows, then B rows)' : 'expected one sequence per example'}: got ${ids.B} for B = ${batch.B}`);
    }
    return ids;
  }

  forward(e: GpuEngine, batch: HeadBatch, train: boolean): GpuTensor {
    const ids = this.sequences(batch);
    const { B } = batch;
    const L = this.labels;
    const fwd = this.encoder.forward(ids, train && this.trainable);
    let X = fwd.pooled;
    if (this.config.pair) {
      const Cp = this.encoder.pooledWidth;
      if (this.pairScratch?.u.shape[0] !== B) {
        if (this.pairScratch) for (const t of Object.values(this.pairScratch)) t.release();
        this.pairScratch = { u: e.tensor([B, Cp], 'finetune.u'), v: e.tensor([B, Cp], 'finetune.v'), X: e.tensor([B, 4 * Cp], 'finetune.X') };
      }
      const s = this.pairScratch;
      e.copyRange(fwd.pooled, 0, s.u, 0, B * Cp);
      e.copyRange(fwd.pooled, B * Cp, s.v, 0, B * Cp);
      pairFeatures(e, s.u, s.v, s.X, { B, C: Cp });
      X = s.X;
    }
    this.X = X;
    if (this.logits?.shape[0] !== B) {
      this.logits?.release();
      this.logits = e.tensor([B, L], 'finetune.logits');
    }
    matmul(e, X, this.W.value, this.logits, { M: B, K: this.D, N: L, bias: this.b.value, bBatched: false });
    return this.logits;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    const X = this.X;
    if (!this.W.grad || !this.b.grad) throw new Error('FinetuneHead.backward: this head was loaded for inference only (trainable: false); load it trainable to train it');
    if (!X) throw new Error('FinetuneHead.backward: no forward to differentiate');
    const { B } = batch;
    const L = this.labels;
    const dX = e.tensor([B, this.D], 'finetune.dX');
    matmulBackward(e, { A: X, B: this.W.value, dY: dLogits, dA: dX, dB: this.W.grad }, { M: B, K: this.D, N: L, bBatched: false, accumulateDB: true });
    biasGrad(e, dLogits, this.b.grad, { rows: B, N: L });
    let dPooled = dX;
    if (this.config.pair) {
      const Cp = this.encoder.pooledWidth;
      const s = this.pairScratch!;
      const dU = e.tensor([B, Cp], 'finetune.dU');
      const dV = e.tensor([B, Cp], 'finetune.dV');
      pairFeaturesBackward(e, { u: s.u, v: s.v, dX, dU, dV }, { B, C: Cp });
      dPooled = e.tensor([2 * B, Cp], 'finetune.dPooled');
      e.copyRange(dU, 0, dPooled, 0, B * Cp);
      e.copyRange(dV, 0, dPooled, B * Cp, B * Cp);
      dU.release();
      dV.release();
      dX.release();
    }
    this.encoder.backward(null, dPooled);
    dPooled.release();
    this.X = null;
  }

  dispose(): void {
    this.encoder.dispose();
    for (const p of [this.W, this.b]) {
      p.value.release();
      p.grad?.release();
    }
    this.logits?.release();
    if (this.pairScratch) for (const t of Object.values(this.pairScratch)) t.release();
    this.logits = null;
    this.pairScratch = null;
  }
}
