// Memory meters of the training benchmark (bench/train.bench.ts, bench/train-finetune.ts): our engine's buffer
// pool and tfjs's buffer manager / tensor bytes. Design decision: both wrap the allocator calls of a live object
// (never a copy of its counters), so the peak seen is the peak that happened between reset() and the read.
import type { BufferPool } from '../src/gpu/buffer-pool';
import type { TfjsPeer } from './tfjs-peer';

/** Bytes of live pool buffers (params, grads, AdamW state, checkpoint, batch, activations, uniforms) and their peak. */
export function meterPool(pool: BufferPool): { live: number; peak: number; reset(): void } {
  const m = {
    live: 0,
    peak: 0,
    reset() {
      m.peak = m.live;
    },
  };
  const acquire = pool.acquire.bind(pool);
  const release = pool.release.bind(pool);
  pool.acquire = (bytes, usage, label) => {
    const buf = acquire(bytes, usage, label);
    m.live += buf.size;
    m.peak = Math.max(m.peak, m.live);
    return buf;
  };
  pool.release = (buf) => {
    release(buf);
    m.live -= buf.size;
  };
  return m;
}

/** tfjs: peak GPU buffer bytes in use (its buffer manager's numBytesUsed) and peak tf.memory().numBytes. */
export function meterTfjs(peer: TfjsPeer): { gpuUsed(): number; tensorBytes(): number; peakGpu: number; peakTensor: number; reset(): void } {
  const bm = (peer.tf.backend() as unknown as { bufferManager: { numBytesUsed: number; acquireBuffer: (...a: unknown[]) => GPUBuffer } }).bufferManager;
  const state = (peer.tf.engine() as unknown as { state: { numBytes: number } }).state;
  if (!bm || typeof bm.acquireBuffer !== 'function' || typeof state?.numBytes !== 'number') throw new Error('tfjs: unexpected backend/engine shape (memory meters)');
  const m = {
    peakGpu: 0,
    peakTensor: 0,
    gpuUsed: () => bm.numBytesUsed,
    tensorBytes: () => state.numBytes,
    reset() {
      m.peakGpu = bm.numBytesUsed;
      m.peakTensor = state.numBytes;
    },
  };
  const acquire = bm.acquireBuffer.bind(bm);
  bm.acquireBuffer = (...a: unknown[]) => {
    const buf = acquire(...a);
    m.peakGpu = Math.max(m.peakGpu, bm.numBytesUsed);
    return buf;
  };
  let bytes = state.numBytes;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    get: () => bytes,
    set: (x: number) => {
      bytes = x;
      if (x > m.peakTensor) m.peakTensor = x;
    },
  });
  return m;
}
