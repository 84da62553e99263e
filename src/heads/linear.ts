// Linear probe head: softmax regression on the pooled vector, logits (B, L) = x W + b, where x is the pooled
// vector f (C), or for pairs encoded side by side the pair features [u, v, |u-v|, u*v] (4C). Design decision:
// the input is frozen, so backward only accumulates dW = X^T dZ and db = sum_b dZ (no input gradient), and the
// pair features are rebuilt by one small kernel each forward (no cache: they cost less than the matmul).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { linearBackward, linearForward } from '../kernels/matmul';
import { pairFeatures } from '../kernels/pair-features';
import type { Head, HeadBatch, HeadParam } from './head';

export interface LinearHeadConfig {
  /** Encoder width C. */
  C: number;
  /** Number of labels L. */
  labels: number;
  /** Pairs encoded side by side: features [u, v, |u-v|, u*v] (4C); every batch must then carry pooledB. */
  pair: boolean;
  /** Initial W (D, L) row-major, D = C or 4C; default zeros (the problem is convex). */
  W?: ArrayLike<number>;
  /** Initial b (L); default zeros. */
  b?: ArrayLike<number>;
}

export class LinearHead implements Head {
  readonly kind = 'linear';
  readonly labels: number;
  readonly params: readonly HeadParam[];
  /** Input width D (C, or 4C for pairs). */
  readonly D: number;
  private W: HeadParam;
  private b: HeadParam;
  private logits: GpuTensor | null = null;
  private X: GpuTensor | null = null;

  constructor(
    private readonly e: GpuEngine,
    readonly config: LinearHeadConfig,
  ) {
    const { C, labels: L } = config;
    if (!Number.isInteger(C) || C < 1) throw new Error(`LinearHead: C must be a positive integer, got ${C}`);
    if (!Number.isInteger(L) || L < 1) throw new Error(`LinearHead: labels must be a positive integer, got ${L}`);
    this.labels = L;
    this.D = config.pair ? 4 * C : C;
    const D = this.D;
    if (config.W && config.W.length !== D * L) throw new Error(`LinearHead: W has ${config.W.length} values, (D ${D}, L ${L}) needs ${D * L}`);
    if (config.b && config.b.length !== L) throw new Error(`LinearHead: b has ${config.b.length} values, L is ${L}`);
    const param = (name: string, shape: number[], init: ArrayLike<number> | undefined, decay: boolean): HeadParam => ({
      name,
      value: init ? e.tensor(shape, `linear.${name}`, Float32Array.from(init)) : e.zeros(shape, `linear.${name}`),
      grad: e.zeros(shape, `linear.d${name}`),
      decay,
    });
    this.W = param('W', [D, L], config.W, true);
    this.b = param('b', [L], config.b, false);
    this.params = [this.W, this.b];
  }

  private checkBatch(batch: HeadBatch): void {
    if (this.config.pair && !batch.pooledB) throw new Error('LinearHead: a pair head needs batch.pooledB (side B pooled vectors)');
    if (!this.config.pair && batch.pooledB) throw new Error('LinearHead: this head was built for single texts but the batch holds pairs (pooledB)');
  }

  /** The probe's input (B, D) for this batch: the pooled vectors, or the pair features (recorded here). */
  private input(batch: HeadBatch): GpuTensor {
    if (!this.config.pair) return batch.pooled;
    const { B } = batch;
    if (!this.X || this.X.shape[0] !== B) {
      this.X?.release();
      this.X = this.e.tensor([B, this.D], 'linear.X');
    }
    pairFeatures(this.e, batch.pooled, batch.pooledB!, this.X, { B, C: this.config.C });
    return this.X;
  }

  forward(e: GpuEngine, batch: HeadBatch, _train: boolean): GpuTensor {
    this.checkBatch(batch);
    const { B } = batch;
    const L = this.labels;
    if (!this.logits || this.logits.shape[0] !== B) {
      this.logits?.release();
      this.logits = e.tensor([B, L], 'linear.logits');
    }
    const X = this.input(batch);
    linearForward(e, X, this.W.value, this.b.value, this.logits, { rows: B, K: this.D, N: L });
    return this.logits;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    this.checkBatch(batch);
    const { B } = batch;
    // The pair features of the last forward are still in this.X (the batch must be the same one).
    const X = this.config.pair ? this.X! : batch.pooled;
    linearBackward(e, { x: X, W: this.W.value, dY: dLogits, dX: null, dW: this.W.grad, db: this.b.grad }, { rows: B, K: this.D, N: this.labels });
  }

  dispose(): void {
    for (const p of this.params) {
      p.value.release();
      p.grad.release();
    }
    this.logits?.release();
    this.X?.release();
    this.logits = null;
    this.X = null;
  }
}
