// The transformer encoder in our WGSL: embeddings -> N layers -> (the model's own pooling, or the app's masked
// mean), forward and backward, for any EncoderSpec (BERT family, USE-lite). Used frozen (features, L-Tuning:
// gradients reach the inputs and prefixes only) or trained (full fine-tuning: every weight gets a gradient).
// Design decision: like a head, the encoder only *records* GPU work into the engine's open command encoder —
// never submits or reads back — so a whole fine-tuning step (encoder forward, classifier, loss, backward, clip,
// AdamW) stays one command buffer. With `recompute`, a layer's activations are dropped after its forward and
// rebuilt from its saved input during the backward: only one layer's activations are alive at a time.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { embeddingsBackward, embeddingsForward, gpuEmbeddings, type EmbeddingsSaved, type GpuEmbeddings } from './embeddings';
import { prepareInputs, type TokenBatch } from './inputs';
import { gpuLayer, layerBackward, layerForward, releaseSaved, type GpuLayer, type LayerSaved } from './layer';
import { gpuPooling, poolingBackward, poolingForward, type GpuPooling, type PoolingSaved } from './pooling';
import type { EncoderSpec } from './spec';
import { EncoderWeights, type EncoderParam } from './weights';

export interface EncoderOptions {
  /** Give every weight a gradient (full fine-tuning). Default false: a frozen encoder. */
  trainable?: boolean;
  /** Per-layer recomputation in the backward (less activation memory, one more layer forward each). */
  recompute?: boolean;
}

/** What one forward leaves for the caller: valid until the next forward(), backward() or release(). */
export interface EncoderForward {
  B: number;
  T: number;
  /** (B, T, hiddenSize) token states of the last layer (rows of padding are finite but meaningless). */
  tokens: GpuTensor;
  /** (B, pooledWidth) the sentence vector: the model's pooling output, or the masked mean of `tokens`. */
  pooled: GpuTensor;
  /** (B, T) the effective mask on the GPU. */
  mask: GpuTensor;
  /** The effective mask on the CPU. */
  maskHost: Float32Array;
}

/** Everything one forward keeps. xs[l] is layer l's input (xs[0]: the embeddings' output), xs[N] the tokens. */
interface Tape {
  fwd: EncoderForward;
  emb: EmbeddingsSaved;
  xs: (GpuTensor | null)[];
  /** Per layer: saved activations, or null (released, or to be recomputed). */
  layers: (LayerSaved | null)[];
  pool: PoolingSaved;
  /** The backward may run (activations kept). */
  differentiable: boolean;
}

export class WgslEncoder {
  readonly weights: EncoderWeights;
  readonly recompute: boolean;
  private readonly emb: GpuEmbeddings;
  private readonly layers: GpuLayer[];
  private readonly pooling: GpuPooling;
  private tape: Tape | null = null;

  constructor(
    private readonly e: GpuEngine,
    readonly spec: EncoderSpec,
    opts: EncoderOptions = {},
  ) {
    this.weights = new EncoderWeights(e, spec, !!opts.trainable);
    this.recompute = !!opts.recompute;
    this.emb = gpuEmbeddings(this.weights, spec);
    this.layers = spec.layers.map((L) => gpuLayer(this.weights, L));
    this.pooling = gpuPooling(this.weights, spec);
  }

  /** Trainable parameters (empty for a frozen encoder). */
  get params(): readonly EncoderParam[] {
    return this.weights.params;
  }

  /** Width of the pooled vector. */
  get pooledWidth(): number {
    return this.pooling.width;
  }

  /**
   * Record the forward of a batch. With `keepForBackward` the activations the backward needs stay alive until
   * backward() or release() (with `recompute`, only each layer's input); otherwise every activation is
   * released as soon as it has been used and only tokens, pooled and mask remain.
   */
  forward(batch: TokenBatch, keepForBackward = false): EncoderForward {
    this.release();
    const e = this.e;
    const { B, T } = batch;
    const R = B * T;
    const prep = prepareInputs(this.spec, batch);
    const mask = e.tensor([B, T], 'encoder.mask', prep.mask);
    const emb = embeddingsForward(e, this.emb, batch.ids, prep, R);
    const xs: (GpuTensor | null)[] = [emb.out];
    const layers: (LayerSaved | null)[] = [];
    this.layers.forEach((P, l) => {
      const x = xs[l]!;
      const saved = layerForward(e, P, x, mask, { B, T }, `encoder.layer${l}`);
      xs.push(saved.out);
      if (keepForBackward && !this.recompute) layers.push(saved);
      else {
        releaseSaved(saved);
        layers.push(null);
        if (!keepForBackward) {
          x.release();
          xs[l] = null;
        }
      }
    });
    if (!keepForBackward) emb.release();
    const last = xs[xs.length - 1]!;
    const tokens = last.view([B, T, this.spec.hiddenSize], 'encoder.tokens');
    const pool = poolingForward(e, this.pooling, last, mask, { B, T });
    if (!keepForBackward) pool.release();
    const fwd: EncoderForward = { B, T, tokens, pooled: pool.out, mask, maskHost: prep.mask };
    this.tape = { fwd, emb, xs, layers, pool, differentiable: keepForBackward };
    return fwd;
  }

  /**
   * Record the backward of the last forward (run with keepForBackward) from gradients of the token states
   * (B, T, C) and/or the pooled vector (B, C'); either may be null. Parameter gradients accumulate (a
   * trainable encoder). Returns the gradient of the summed input embeddings (B*T, E), a new tensor owned by the
   * caller, or null when `wantInputGrad` is false. Releases the forward's tensors.
   */
  backward(dTokens: GpuTensor | null, dPooled: GpuTensor | null, wantInputGrad = false): GpuTensor | null {
    const tape = this.tape;
    if (!tape || !tape.differentiable) throw new Error('WgslEncoder.backward: call forward(batch, true) first');
    const e = this.e;
    const { B, T } = tape.fwd;
    const R = B * T;
    const C = this.spec.hiddenSize;
    let d = e.zeros([R, C], 'encoder.dTokens');
    if (dTokens) {
      if (dTokens.size !== R * C) throw new Error(`WgslEncoder.backward: dTokens has ${dTokens.size} elements, expected (B, T, C) = ${R * C}`);
      e.copy(dTokens, d);
    }
    if (dPooled) poolingBackward(e, this.pooling, tape.pool, dPooled, tape.fwd.mask, d, { B, T });
    for (let l = this.layers.length - 1; l >= 0; l--) {
      let saved = tape.layers[l];
      if (!saved) {
        saved = layerForward(e, this.layers[l], tape.xs[l]!, tape.fwd.mask, { B, T }, `encoder.layer${l}.re`);
        saved.out.release();
      }
      d = layerBackward(e, this.layers[l], saved, d, { B, T }, `encoder.layer${l}.back`);
      releaseSaved(saved);
      tape.layers[l] = null;
    }
    const dSum = embeddingsBackward(e, this.emb, tape.emb, d, R);
    d.release();
    this.release();
    if (wantInputGrad) return dSum;
    dSum.release();
    return null;
  }

  /** Release everything the last forward kept (tokens and pooled included). */
  release(): void {
    const t = this.tape;
    if (!t) return;
    this.tape = null;
    for (const s of t.layers) if (s) releaseSaved(s);
    if (t.differentiable) {
      t.emb.release();
      t.pool.release();
    }
    for (const x of t.xs) if (x && !x.isReleased) x.release();
    t.pool.out.release();
    t.fwd.mask.release();
  }

  dispose(): void {
    this.release();
    this.weights.dispose();
  }
}
