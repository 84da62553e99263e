// Zero-shot head: logits z_bl = scale * cos(f_b, s_l) between the pooled vector f (u, or u + v for pairs encoded
// side by side) and the pooled label-text seeds s_l. No parameters; backward is a no-op, so the trainer and the
// evaluator drive it like any head. Design decision: computed on the GPU (one row-normalise dispatch and one
// matmul against seeds normalised once on the CPU at construction) because a head only records GPU work and
// never reads back; the batch's features are already on the GPU, so a CPU path would cost a readback per batch.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { matmul } from '../kernels/matmul';
import { normalizeRows } from '../kernels/pair-features';
import type { Head, HeadBatch, HeadParam } from './head';

export interface ZeroShotHeadConfig {
  /** Encoder width C. */
  C: number;
  /** Number of labels L. */
  labels: number;
  /** (L, C) pooled label-text seeds, row-major. */
  seeds: ArrayLike<number>;
  /** Logit scale (inverse temperature) applied to the cosines, default 1: logits are the cosines themselves. */
  scale?: number;
}

/** Seeds normalised to unit length in float64 (a zero seed stays zero: its cosine is 0). */
export function normalizedSeeds(seeds: ArrayLike<number>, L: number, C: number): Float32Array {
  const out = new Float32Array(L * C);
  for (let l = 0; l < L; l++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += seeds[l * C + c] ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let c = 0; c < C; c++) out[l * C + c] = seeds[l * C + c] * inv;
  }
  return out;
}

export class ZeroShotHead implements Head {
  readonly kind = 'zeroshot';
  readonly labels: number;
  readonly params: readonly HeadParam[] = [];
  readonly scale: number;
  private seeds: GpuTensor;
  private fn: GpuTensor | null = null;
  private logits: GpuTensor | null = null;

  constructor(
    e: GpuEngine,
    readonly config: ZeroShotHeadConfig,
  ) {
    const { C, labels: L, seeds } = config;
    if (!Number.isInteger(C) || C < 1) throw new Error(`ZeroShotHead: C must be a positive integer, got ${C}`);
    if (!Number.isInteger(L) || L < 1) throw new Error(`ZeroShotHead: labels must be a positive integer, got ${L}`);
    if (seeds.length !== L * C) throw new Error(`ZeroShotHead: seeds have ${seeds.length} values, (L ${L}, C ${C}) needs ${L * C}`);
    this.scale = config.scale ?? 1;
    if (!Number.isFinite(this.scale)) throw new Error(`ZeroShotHead: scale must be finite, got ${this.scale}`);
    this.labels = L;
    this.seeds = e.tensor([L, C], 'zeroshot.seeds', normalizedSeeds(seeds, L, C));
  }

  forward(e: GpuEngine, batch: HeadBatch, _train: boolean): GpuTensor {
    const { B } = batch;
    const { C } = this.config;
    const L = this.labels;
    if (!this.logits || this.logits.shape[0] !== B) {
      this.logits?.release();
      this.fn?.release();
      this.logits = e.tensor([B, L], 'zeroshot.logits');
      this.fn = e.tensor([B, C], 'zeroshot.fn');
    }
    normalizeRows(e, batch.pooled, batch.pooledB, this.fn!, { B, C });
    matmul(e, this.fn!, this.seeds, this.logits, { M: B, K: C, N: L, transB: true, bBatched: false, alpha: this.scale });
    return this.logits;
  }

  /** No parameters: nothing to do. */
  backward(_e: GpuEngine, _batch: HeadBatch, _dLogits: GpuTensor): void {}

  dispose(): void {
    this.seeds.release();
    this.fn?.release();
    this.logits?.release();
    this.fn = null;
    this.logits = null;
  }
}
