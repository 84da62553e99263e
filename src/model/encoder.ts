// The transformer encoder in our WGSL: embeddings -> N layers -> (the model's own pooling, or the app's masked
// mean), forward and backward, for any EncoderSpec (BERT family, USE-lite). Used frozen (features, L-Tuning:
// gradients reach the inputs and prefixes only) or trained (full fine-tuning: every weight gets a gradient).
// Design decision: like a head, the encoder only *records* GPU work into the engine's open command encoder —
// never reads back — and uploads the batch's inputs (ids, positions, masks, timing) at the very start of
// forward(), before its first dispatch, so a whole fine-tuning step (encoder forward, classifier, loss, backward,
// clip, AdamW) stays one command buffer; a caller that records work before forward() gets that work submitted by
// the uploads (it is still correct, just one more command buffer). With `recompute`, a layer's activations are dropped after its forward and
// rebuilt from its saved input during the backward: only one layer's activations are alive at a time.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { embeddingsBackward, embeddingsForward, gpuEmbeddings, type EmbeddingsSaved, type GpuEmbeddings } from './embeddings';
import { prepareInputs, type TokenBatch } from './inputs';
import { gpuLayer, layerBackward, layerForward, releaseSaved, type GpuLayer, type LayerPrefix, type LayerSaved } from './layer';
import { gpuPooling, poolingBackward, poolingForward, type GpuPooling, type PoolingSaved } from './pooling';
import type { EncoderSpec } from './spec';
import { EncoderWeights, type EncoderParam } from './weights';

export interface EncoderOptions {
  /** Give every weight a gradient (full fine-tuning). Default false: a frozen encoder. */
  trainable?: boolean;
  /** Per-layer recomputation in the backward (less activation memory, one more layer forward each). */
  recompute?: boolean;
}

/** Trainable inputs of prompt and prefix tuning (L-Tuning and its baselines); the caller owns every tensor. */
export interface EncoderExtras {
  /** P vectors in front of each example's word embeddings (before positions, types, norm): (B, P, E) or (P, E). */
  prompt?: {
    P: number;
    value: GpuTensor;
    shared: boolean;
    /** (B, P) host mask: 0 masks a prompt row like padding (no key, no position step); absent: all attended. */
    mask?: Float32Array | null;
    /** Pool over the text rows only (the prompt rows left out of the pooling mean); default: every kept row. */
    poolText?: boolean;
  };
  /** Per layer: P keys and values in front of that layer's keys/values: (B, P, H*dh) or (P, H*dh) each. */
  prefix?: { P: number; keys: GpuTensor[]; values: GpuTensor[]; shared: boolean };
}

/** Where the backward writes the extras' gradients (same shapes as the extras); written, or added with accumulate. */
export interface ExtrasGrads {
  dPrompt?: GpuTensor;
  dPrefixKeys?: GpuTensor[];
  dPrefixValues?: GpuTensor[];
  accumulate?: boolean;
}

/** What one forward leaves for the caller: valid until the next forward(), backward() or release(). */
export interface EncoderForward {
  B: number;
  /** Sequence length the encoder ran: the batch's T, plus the prompt's P when there is one (prompt rows first). */
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
  extras: EncoderExtras;
  /** (B, P+T) key mask of layers with a prefix. */
  keyMask: GpuTensor | null;
  /** (B, T) the pooling's mask when it differs from `mask` (prompt rows left out), else null. */
  poolMask: GpuTensor | null;
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
  forward(batch: TokenBatch, keepForBackward = false, extras: EncoderExtras = {}): EncoderForward {
    this.release();
    const e = this.e;
    const { B } = batch;
    const Pp = extras.prompt?.P ?? 0;
    const T = batch.T + Pp;
    const prep = prepareInputs(this.spec, Pp ? withPromptRows(batch, Pp, extras.prompt?.mask ?? null) : batch);
    const mask = e.tensor([B, T], 'encoder.mask', prep.mask);
    const poolMask = Pp && extras.prompt?.poolText ? e.tensor([B, T], 'encoder.poolMask', textRowsOnly(prep.mask, B, T, Pp)) : null;
    const keyMask = extras.prefix ? e.tensor([B, extras.prefix.P + T], 'encoder.keyMask', prefixMask(prep.mask, B, T, extras.prefix.P)) : null;
    this.checkExtras(extras, B);
    const emb = embeddingsForward(e, this.emb, batch.ids, prep, { B, T: batch.T }, extras.prompt ?? null);
    const xs: (GpuTensor | null)[] = [emb.out];
    const layers: (LayerSaved | null)[] = [];
    this.layers.forEach((P, l) => {
      const x = xs[l]!;
      const saved = layerForward(e, P, x, mask, { B, T }, `encoder.layer${l}`, this.layerPrefix(extras, keyMask, l, null));
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
    const pool = poolingForward(e, this.pooling, last, poolMask ?? mask, { B, T });
    if (!keepForBackward) pool.release();
    const fwd: EncoderForward = { B, T, tokens, pooled: pool.out, mask, maskHost: prep.mask };
    this.tape = { fwd, emb, xs, layers, pool, differentiable: keepForBackward, extras, keyMask, poolMask };
    return fwd;
  }

  private checkExtras(x: EncoderExtras, B: number): void {
    if (x.prompt) {
      const n = (x.prompt.shared ? 1 : B) * x.prompt.P * this.spec.embedWidth;
      if (x.prompt.value.size !== n) throw new Error(`encoder prompt: "${x.prompt.value.label}" has ${x.prompt.value.size} elements, (${x.prompt.shared ? '' : 'B, '}P, E) needs ${n}`);
    }
    if (x.prefix) {
      const N = this.spec.layers.length;
      if (x.prefix.keys.length !== N || x.prefix.values.length !== N) throw new Error(`encoder prefix: needs keys and values for each of the ${N} layers, got ${x.prefix.keys.length} and ${x.prefix.values.length}`);
      this.spec.layers.forEach((L, l) => {
        const n = (x.prefix!.shared ? 1 : B) * x.prefix!.P * L.heads * L.headDim;
        for (const t of [x.prefix!.keys[l], x.prefix!.values[l]]) {
          if (t.size !== n) throw new Error(`encoder prefix, layer ${l}: "${t.label}" has ${t.size} elements, (${x.prefix!.shared ? '' : 'B, '}P, H*dh) needs ${n}`);
        }
      });
    }
  }

  private layerPrefix(x: EncoderExtras, keyMask: GpuTensor | null, l: number, g: ExtrasGrads | null): LayerPrefix | null {
    if (!x.prefix || !keyMask) return null;
    return {
      P: x.prefix.P,
      keys: x.prefix.keys[l],
      values: x.prefix.values[l],
      shared: x.prefix.shared,
      keyMask,
      dKeys: g?.dPrefixKeys?.[l] ?? null,
      dValues: g?.dPrefixValues?.[l] ?? null,
      accumulate: !!g?.accumulate,
    };
  }

  /**
   * Record the backward of the last forward (run with keepForBackward) from gradients of the token states
   * (B, T, C) and/or the pooled vector (B, C'); either may be null. Parameter gradients accumulate (a
   * trainable encoder). Returns the gradient of the summed input embeddings (B*T, E), a new tensor owned by the
   * caller, or null when `wantInputGrad` is false. Releases the forward's tensors.
   */
  backward(dTokens: GpuTensor | null, dPooled: GpuTensor | null, wantInputGrad = false, grads: ExtrasGrads | null = null): GpuTensor | null {
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
    if (dPooled) poolingBackward(e, this.pooling, tape.pool, dPooled, tape.poolMask ?? tape.fwd.mask, d, { B, T });
    for (let l = this.layers.length - 1; l >= 0; l--) {
      let saved = tape.layers[l];
      const pre = this.layerPrefix(tape.extras, tape.keyMask, l, grads);
      if (!saved) {
        saved = layerForward(e, this.layers[l], tape.xs[l]!, tape.fwd.mask, { B, T }, `encoder.layer${l}.re`, pre);
        saved.out.release();
      }
      d = layerBackward(e, this.layers[l], saved, d, { B, T }, `encoder.layer${l}.back`, pre);
      releaseSaved(saved);
      tape.layers[l] = null;
    }
    const dPrompt = grads?.dPrompt ? { dest: grads.dPrompt, accumulate: !!grads.accumulate } : null;
    const dSum = embeddingsBackward(e, this.emb, tape.emb, d, R, dPrompt);
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
    t.keyMask?.release();
    t.poolMask?.release();
  }

  dispose(): void {
    this.release();
    this.weights.dispose();
  }
}

/** The batch with P prompt rows in front of each example (id 0, mask 1, type 0), for positions and masks. */
function withPromptRows(b: TokenBatch, P: number, promptMask: Float32Array | null): TokenBatch {
  if (promptMask && promptMask.length !== b.B * P) throw new Error(`encoder prompt: mask has ${promptMask.length} values, (B, P) needs ${b.B * P}`);
  const T = b.T + P;
  const ids = new Uint32Array(b.B * T);
  const mask = new Float32Array(b.B * T);
  const tokenTypes = b.tokenTypes ? new Uint32Array(b.B * T) : null;
  for (let r = 0; r < b.B; r++) {
    if (promptMask) mask.set(promptMask.subarray(r * P, (r + 1) * P), r * T);
    else mask.fill(1, r * T, r * T + P);
    ids.set(b.ids.subarray(r * b.T, (r + 1) * b.T), r * T + P);
    mask.set(b.mask.subarray(r * b.T, (r + 1) * b.T), r * T + P);
    if (tokenTypes) tokenTypes.set(b.tokenTypes!.subarray(r * b.T, (r + 1) * b.T), r * T + P);
  }
  return { B: b.B, T, ids, mask, tokenTypes };
}

/** The mask with each example's first P (prompt) rows zeroed: the pooling's mask when it reads text rows only. */
function textRowsOnly(mask: Float32Array, B: number, T: number, P: number): Float32Array {
  const out = Float32Array.from(mask);
  for (let r = 0; r < B; r++) out.fill(0, r * T, r * T + P);
  return out;
}

/** (B, P+T) key mask: P ones (the prefix is always attended), then each example's token mask. */
function prefixMask(mask: Float32Array, B: number, T: number, P: number): Float32Array {
  const out = new Float32Array(B * (P + T));
  for (let r = 0; r < B; r++) {
    out.fill(1, r * (P + T), r * (P + T) + P);
    out.set(mask.subarray(r * T, (r + 1) * T), r * (P + T) + P);
  }
  return out;
}
