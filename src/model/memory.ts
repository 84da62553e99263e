// Activation memory of the encoder's forward-for-backward, as a pure function of the spec and the batch shape:
// every buffer the WGSL encoder (src/model/encoder.ts, layer.ts, embeddings.ts, pooling.ts) keeps alive for the
// backward, with its shape and bytes, the total, and the largest single buffer — so a batch can be checked
// against the device's limits (WebGPU defaults: maxStorageBufferBindingSize 128 MiB, maxBufferSize 256 MiB)
// BEFORE anything is allocated, and the message can say which buffer, which limit, and what B or T would fit.
// Design decision: the account mirrors LayerSaved / EmbeddingsSaved / PoolingSaved buffer for buffer (float32
// activations, u32 ids), and with `recompute` it is the PEAK of the backward: every layer's input plus one
// layer's rebuilt activations (the largest layer's), since layers are recomputed one at a time.
// encoderWeightBytes / weightLimitError do the same for the weights (+ grads and AdamW moments when trained):
// a large vocabulary's embedding table is the buffer most likely to pass the binding limit.
import { specTensors, type EncoderLayerSpec, type EncoderSpec } from './spec';

export interface ActivationBuffer {
  name: string;
  shape: number[];
  bytes: number;
}

export interface ActivationOptions {
  /** Per-layer recomputation: only layer inputs are kept; one layer's activations are rebuilt at a time. */
  recompute: boolean;
  /** L-Tuning prefix keys/values per layer (extra keys: probs are (B, H, L, P + L)). */
  prefixLength?: number;
  /** L-Tuning prompt vectors prepended to the text (the sequence is promptLength + T rows). */
  promptLength?: number;
}

export interface ActivationAccount {
  /** The buffers alive at the backward's peak. */
  buffers: ActivationBuffer[];
  totalBytes: number;
  largest: ActivationBuffer;
  recompute: boolean;
}

export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** WebGPU's default limits (what a browser grants without asking for more). */
export const DEFAULT_LIMITS: BufferLimits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };

const F32 = 4;
const U32 = 4;

const buf = (name: string, shape: number[], elem = F32): ActivationBuffer => ({ name, shape, bytes: shape.reduce((a, b) => a * b, elem) });

const norm = (name: string, R: number, D: number, withY = true): ActivationBuffer[] =>
  [...(withY ? [buf(`${name}.y`, [R, D])] : []), buf(`${name}.mean`, [R]), buf(`${name}.rstd`, [R])];

/** What one layer saves for its backward (its input x is counted by the caller). */
function layerBuffers(L: EncoderLayerSpec, i: number, B: number, T: number, Lk: number): ActivationBuffer[] {
  const R = B * T;
  const W = L.heads * L.headDim;
  const C = L.outWidth;
  const I = L.ffnIn.out;
  const p = `layers.${i}`;
  const out: ActivationBuffer[] = [];
  if (L.norm === 'pre') out.push(...norm(`${p}.n1`, R, L.inWidth));
  out.push(buf(`${p}.q`, [R, W]), buf(`${p}.k`, [B * Lk, W]), buf(`${p}.v`, [B * Lk, W]));
  out.push(buf(`${p}.probs`, [B, L.heads, T, Lk]), buf(`${p}.ctx`, [R, W]));
  out.push(buf(`${p}.r1`, [R, C]), ...norm(`${p}.n2`, R, C));
  out.push(buf(`${p}.f1`, [R, I]), buf(`${p}.g`, [R, I]));
  if (L.norm === 'post') out.push(buf(`${p}.r2`, [R, C]), ...norm(`${p}.n3`, R, C, false)); // n3.y is the output
  return out;
}

/**
 * Saved activations of a forward-for-backward of a (B, T) batch. Layer outputs are listed as the next layer's
 * input ("layers.i.x") and the last one as "tokens".
 */
export function encoderActivationBytes(spec: EncoderSpec, B: number, T: number, opts: ActivationOptions): ActivationAccount {
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 1) throw new Error(`encoderActivationBytes: B and T must be positive integers, got B=${B}, T=${T}`);
  const L = T + (opts.promptLength ?? 0);
  const Lk = L + (opts.prefixLength ?? 0);
  const R = B * L;
  const E = spec.embedWidth;
  const emb = spec.embeddings;
  const buffers: ActivationBuffer[] = [buf('mask', [B, L]), buf('embeddings.ids', [R], U32)];
  if (emb.position.kind === 'learned') buffers.push(buf('embeddings.positions', [R], U32));
  if (emb.tokenType) buffers.push(buf('embeddings.types', [R], U32));
  if (emb.norm) buffers.push(buf('embeddings.sum', [R, E]), ...norm('embeddings.norm', R, E, false));
  spec.layers.forEach((layer, i) => buffers.push(buf(`layers.${i}.x`, [R, layer.inWidth])));
  buffers.push(buf('tokens', [R, spec.hiddenSize]));
  const layerSets = spec.layers.map((layer, i) => layerBuffers(layer, i, B, L, Lk));
  if (!opts.recompute) layerSets.forEach((s) => buffers.push(...s));
  else {
    const size = (s: ActivationBuffer[]) => s.reduce((a, b) => a + b.bytes, 0);
    const worst = layerSets.reduce((a, s) => (size(s) > size(a) ? s : a), layerSets[0]);
    buffers.push(...worst.map((b) => ({ ...b, name: `${b.name} (recomputed)` })));
  }
  if (spec.pooling) {
    buffers.push(buf('pooling.mean', [B, spec.hiddenSize]));
    spec.pooling.dense.forEach((d, i) => buffers.push(buf(`pooling.dense.${i}.z`, [B, d.out]), buf(`pooling.dense.${i}.t`, [B, d.out])));
    const width = spec.pooling.dense.length ? spec.pooling.dense[spec.pooling.dense.length - 1].out : spec.hiddenSize;
    buffers.push(buf('pooled', [B, width]));
  } else buffers.push(buf('pooled', [B, spec.hiddenSize]));
  const largest = buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return { buffers, totalBytes: buffers.reduce((a, b) => a + b.bytes, 0), largest, recompute: opts.recompute };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/**
 * Null when every activation buffer of a (B, T) batch fits the limits; else a message naming the buffer, the
 * limit, and the largest batch size that fits at this T (or that T must shrink).
 */
export function activationLimitError(spec: EncoderSpec, B: number, T: number, opts: ActivationOptions, limits: BufferLimits = DEFAULT_LIMITS): string | null {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const acc = encoderActivationBytes(spec, B, T, opts);
  if (acc.largest.bytes <= cap) return null;
  const limitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  let fitB = 0;
  for (let b = B - 1; b >= 1; b--) {
    if (encoderActivationBytes(spec, b, T, opts).largest.bytes <= cap) {
      fitB = b;
      break;
    }
  }
  const hint = fitB > 0 ? `use a batch of at most ${fitB} at ${T} tokens, or a smaller Tmax` : `even a batch of 1 does not fit at ${T} tokens: lower Tmax`;
  return `activation buffer ${acc.largest.name} (${acc.largest.shape.join(' x ')}) needs ${mib(acc.largest.bytes)}, over the device's ${limitName} of ${mib(cap)}: ${hint}`;
}

export interface WeightOptions {
  /** Full fine-tuning: every weight also has a gradient and AdamW's two moments (same size each). */
  trainable: boolean;
}

/**
 * The encoder's weight buffers on the device (one per spec tensor, float32), and with `trainable` the gradient
 * and the two AdamW moments of each: the largest is usually the word-embedding table (vocab x E).
 */
export function encoderWeightBytes(spec: EncoderSpec, opts: WeightOptions): ActivationAccount {
  const buffers: ActivationBuffer[] = [];
  for (const { name, tensor } of specTensors(spec)) {
    buffers.push(buf(name, tensor.shape));
    if (opts.trainable) for (const k of ['grad', 'adam.m', 'adam.v']) buffers.push(buf(`${name}.${k}`, tensor.shape));
  }
  const largest = buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return { buffers, totalBytes: buffers.reduce((a, b) => a + b.bytes, 0), largest, recompute: false };
}

/** Null when every weight buffer fits the limits; else a message naming the tensor and the limit. */
export function weightLimitError(spec: EncoderSpec, limits: BufferLimits = DEFAULT_LIMITS): string | null {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const { largest } = encoderWeightBytes(spec, { trainable: false });
  if (largest.bytes <= cap) return null;
  const limitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  return `weight ${largest.name} (${largest.shape.join(' x ')}) needs ${mib(largest.bytes)}, over the device's ${limitName} of ${mib(cap)}: ` +
    'this model cannot run in the WGSL encoder on this device (the onnxruntime path and cached-feature heads still work)';
}
