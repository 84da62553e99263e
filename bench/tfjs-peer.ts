// The tfjs peer of the kernel benchmark: the same computations written with @tensorflow/tfjs ops on its WebGPU
// backend, on the same Dawn instance and adapter as our engine. Design decision: tfjs gets exactly our inputs and
// produces our outputs in our layouts (so head reshapes/transposes it needs are part of its cost), its backward
// passes come from its own autodiff (tf.valueAndGrads over one forward function), and it is synchronised the
// same way we are: submit what it recorded, then await the queue's onSubmittedWorkDone.
import type { Runner } from './timing';

export type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;

/** The parts of tfjs-backend-webgpu's WebGPUBackend the benchmark touches (public in JS, untyped here). */
interface WebGpuBackendLike {
  device: GPUDevice;
  supportTimestampQuery: boolean;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export interface TfjsPeer {
  tf: Tf;
  version: string;
  device: GPUDevice;
  /** True when tf.time() reports real GPU kernel times (the device has timestamp-query). */
  timestamps: boolean;
  /** Submit everything tfjs has recorded and resolve once the GPU finished it. */
  wait(): Promise<void>;
}

/**
 * Make `gpu` the page-style navigator.gpu. Must run before @tensorflow/tfjs-backend-webgpu is imported: it
 * registers its backend at import time only if navigator.gpu exists.
 */
export function installNavigatorGpu(gpu: GPU): void {
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

/** Import tfjs and its WebGPU backend (navigator.gpu must be installed) and make 'webgpu' the backend. */
export async function initTfjs(): Promise<TfjsPeer> {
  if (!(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu) throw new Error('initTfjs: install navigator.gpu first');
  const tf: Tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend failed to initialise');
  await tf.ready();
  const be = tf.backend() as unknown as WebGpuBackendLike;
  if (!be.device || typeof be.submitQueue !== 'function') throw new Error('tfjs: unexpected webgpu backend shape');
  const flush = () => {
    be.ensureCommandEncoderReady();
    be.endComputePassEncoder();
    be.submitQueue();
  };
  return {
    tf,
    version: tf.version.tfjs,
    device: be.device,
    timestamps: be.supportTimestampQuery,
    async wait() {
      flush();
      await be.device.queue.onSubmittedWorkDone();
    },
  };
}

/** A timed runner around a tfjs function; its outputs are kept until cleanup (so nothing is freed mid-flight). */
export function tfRunner(peer: TfjsPeer, fn: () => Tensor[]): Runner {
  const { tf } = peer;
  let outs: Tensor[] = [];
  return {
    enqueue() {
      outs = tf.tidy(fn);
    },
    wait: () => peer.wait(),
    readback: () => outs[0].data(),
    cleanup() {
      for (const t of outs) t.dispose();
      outs = [];
    },
    async gpuTime() {
      if (!peer.timestamps) return null;
      let o: Tensor[] = [];
      // Under tf.time each kernel gets its own timestamped pass and submit; kernelMs sums the kernels' GPU time.
      const info = await tf.time(() => {
        o = tf.tidy(fn);
      });
      for (const t of o) t.dispose();
      return typeof info.kernelMs === 'number' ? info.kernelMs : null;
    },
  };
}

/** Run fn once, read all its outputs (for the cross-check against our results). */
export async function tfOutputs(peer: TfjsPeer, fn: () => Tensor[]): Promise<Float32Array[]> {
  const outs = peer.tf.tidy(fn);
  const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  for (const t of outs) t.dispose();
  return data;
}

// ---- linear: y = x W + b ---------------------------------------------------------------------------------

export interface LinearData {
  x: Float32Array; // (rows, K)
  W: Float32Array; // (K, N)
  b: Float32Array; // (N)
  dY: Float32Array; // (rows, N)
}

export interface PeerCase {
  /** Outputs in our layouts: forward [y...]; backward [dX, dW, db] / [dQ, dK, dV]; fwd+bwd [forward..., grads...]. */
  fwd: () => Tensor[];
  bwd: () => Tensor[];
  fwdbwd: () => Tensor[];
  dispose(): void;
}

export function linearPeer(peer: TfjsPeer, d: LinearData, s: { rows: number; K: number; N: number }): PeerCase {
  const { tf } = peer;
  const x = tf.tensor2d(d.x, [s.rows, s.K]);
  const W = tf.tensor2d(d.W, [s.K, s.N]);
  const b = tf.tensor1d(d.b);
  const dY = tf.tensor2d(d.dY, [s.rows, s.N]);
  const f = (x: Tensor, W: Tensor, b: Tensor) => tf.add(tf.matMul(x, W), b);
  const vg = tf.valueAndGrads((x: Tensor, W: Tensor, b: Tensor) => f(x, W, b));
  return {
    fwd: () => [f(x, W, b)],
    // What tfjs's own gradient of matMul/add computes, written out (backward alone, from saved inputs).
    bwd: () => [tf.matMul(dY, W, false, true), tf.matMul(x, dY, true, false), tf.sum(dY, 0)],
    fwdbwd: () => {
      const { value, grads } = vg([x, W, b], dY);
      return [value, ...grads];
    },
    dispose: () => tf.dispose([x, W, b, dY]),
  };
}

// ---- multi-head attention with a key padding mask ----------------------------------------------------------

export interface AttentionShape {
  B: number;
  Lq: number;
  Lk: number;
  H: number;
  dh: number;
  scale: number;
}

export interface AttentionData {
  q: Float32Array; // (B, Lq, H*dh)
  k: Float32Array; // (B, Lk, H*dh)
  v: Float32Array; // (B, Lk, H*dh)
  keyMask: Float32Array | null; // (B, Lk): 1 = real token, 0 = padding; null = no mask
  dOut: Float32Array; // (B, Lq, H*dh)
}

export function attentionPeer(peer: TfjsPeer, d: AttentionData, s: AttentionShape): PeerCase {
  const { tf } = peer;
  const { B, Lq, Lk, H, dh, scale } = s;
  const D = H * dh;
  const q = tf.tensor3d(d.q, [B, Lq, D]);
  const k = tf.tensor3d(d.k, [B, Lk, D]);
  const v = tf.tensor3d(d.v, [B, Lk, D]);
  const dOut = tf.tensor3d(d.dOut, [B, Lq, D]);
  // The additive mask bias is computed once per batch (a model reuses it in every layer), outside the timing.
  const mask = d.keyMask;
  const maskBias = mask ? tf.tidy(() => tf.reshape(tf.mul(tf.sub(1, tf.tensor2d(mask, [B, Lk])), -1e9), [B, 1, 1, Lk])) : null;
  const scaleT = tf.scalar(scale);
  // (B, L, H*dh) -> (B, H, L, dh) and back
  const heads = (t: Tensor, L: number) => tf.transpose(tf.reshape(t, [B, L, H, dh]), [0, 2, 1, 3]);
  const merge = (t: Tensor, L: number) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B, L, D]);
  const probsOf = (qh: Tensor, kh: Tensor) => {
    const scores = tf.mul(tf.matMul(qh, kh, false, true), scaleT); // (B, H, Lq, Lk)
    return tf.softmax(maskBias ? tf.add(scores, maskBias) : scores);
  };
  const forward = (q: Tensor, k: Tensor, v: Tensor): [Tensor, Tensor] => {
    const p = probsOf(heads(q, Lq), heads(k, Lk));
    return [merge(tf.matMul(p, heads(v, Lk)), Lq), p];
  };
  const vg = tf.valueAndGrads((q: Tensor, k: Tensor, v: Tensor) => forward(q, k, v)[0]);
  // Saved by the forward pass for the explicit backward (as our kernels save probs).
  const probs = tf.tidy(() => forward(q, k, v)[1]);
  return {
    fwd: () => forward(q, k, v),
    // What tfjs's autodiff computes for this forward, written out from the saved probabilities.
    bwd: () => {
      const dOh = heads(dOut, Lq);
      const dV = tf.matMul(probs, dOh, true, false); // (B, H, Lk, dh)
      const dP = tf.matMul(dOh, heads(v, Lk), false, true); // (B, H, Lq, Lk)
      const dS = tf.mul(tf.mul(probs, tf.sub(dP, tf.sum(tf.mul(dP, probs), -1, true))), scaleT);
      const dQ = tf.matMul(dS, heads(k, Lk)); // (B, H, Lq, dh)
      const dK = tf.matMul(dS, heads(q, Lq), true, false); // (B, H, Lk, dh)
      return [merge(dQ, Lq), merge(dK, Lk), merge(dV, Lk)];
    },
    fwdbwd: () => {
      const { value, grads } = vg([q, k, v], dOut);
      return [value, ...grads];
    },
    dispose: () => tf.dispose([q, k, v, dOut, scaleT, probs, ...(maskBias ? [maskBias] : [])]),
  };
}
