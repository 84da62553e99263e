// The engine comparison of `npm run bench:encoder`: the SAME padded token-id batches through onnxruntime (wasm
// or WebGPU EP, a plain InferenceSession on model.onnx) and through our WGSL forward (src/model WgslEncoder,
// frozen, weights read from the same model.onnx by readEncoderSpec). Used by the Node child processes
// (bench/encoder.bench.ts) and by the Chromium bench page (bench/encoder-page.ts), so both hosts run one code.
// Design decision: tokenising and batching happen once, in Node, before anything is timed (the app's tokenizer,
// planBatches and padBatch); every engine gets identical ids, and a pass counts what a caller of the encoder
// gets: token states AND sentence vectors of every batch back on the CPU. One untimed pass over all batches
// warms each engine up (shader compiles, pipeline caches), then one pass is timed.
import type { GpuEngine } from '../src/gpu/engine';
import type { OrtModule } from '../src/encoder/runtime';
import type { EncoderSpec } from '../src/model/spec';

/** One padded batch of token ids as plain arrays (structured-clone friendly). */
export interface IdBatch {
  rows: number;
  seq: number;
  ids: number[];
  mask: number[];
}

export type EngineKind = 'ort-wasm' | 'ort-webgpu' | 'wgsl';

export interface EngineResult {
  engine: EngineKind;
  /** What ran, in words (EP, adapter). */
  what: string;
  texts: number;
  loadSeconds: number;
  warmupSeconds: number;
  seconds: number;
  /** WGSL only: buffer-pool peak of live bytes during the timed pass (weights included), and the largest buffer. */
  poolPeakBytes: number | null;
  poolWeightsBytes: number | null;
  largestBufferBytes: number | null;
  /** Sentence vectors in text order (for the parity check against the wasm EP). */
  pooled: number[][];
}

/** Text order: batch rows in plan order (the caller keeps the indices). */
function rowsOf(out: Float32Array, rows: number, C: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(out.subarray(r * C, (r + 1) * C)));
}

/** onnxruntime on exactly one EP over the batches (no fallback: sessionOptionsFor-style, one EP only). */
export async function runOrt(ort: OrtModule, model: Uint8Array, ep: 'wasm' | 'webgpu', batches: IdBatch[]): Promise<EngineResult> {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model.slice(), { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const loadSeconds = (performance.now() - t0) / 1000;
  if (ep === 'webgpu' && !(ort.env.webgpu as { device?: unknown } | undefined)?.device) throw new Error('onnxruntime created no WebGPU device: the session would not run on WebGPU');
  const [tokensName, pooledName] = session.outputNames;
  const pass = async (): Promise<number[][]> => {
    const pooled: number[][] = [];
    for (const b of batches) {
      const big = (a: number[]) => BigInt64Array.from(a, (x) => BigInt(x));
      const out = await session.run({
        input_ids: new ort.Tensor('int64', big(b.ids), [b.rows, b.seq]),
        attention_mask: new ort.Tensor('int64', big(b.mask), [b.rows, b.seq]),
      });
      const tok = out[tokensName]; // on the CPU, as the app's encoder gets it
      if (tok.dims[0] !== b.rows || tok.dims[1] !== b.seq) throw new Error(`onnxruntime: token states [${tok.dims}] for a (${b.rows}, ${b.seq}) batch`);
      const p = out[pooledName];
      pooled.push(...rowsOf(p.data as Float32Array, b.rows, p.dims[1] as number));
    }
    return pooled;
  };
  let t = performance.now();
  await pass();
  const warmupSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const pooled = await pass();
  const seconds = (performance.now() - t) / 1000;
  await session.release();
  return {
    engine: ep === 'wasm' ? 'ort-wasm' : 'ort-webgpu',
    what: `onnxruntime-web ${ep} EP`,
    texts: pooled.length,
    loadSeconds,
    warmupSeconds,
    seconds,
    poolPeakBytes: null,
    poolWeightsBytes: null,
    largestBufferBytes: null,
    pooled,
  };
}

/** Our WGSL forward (frozen) over the batches: forward, then read token states and sentence vectors back. */
export async function runWgsl(makeEngine: () => Promise<GpuEngine>, spec: () => EncoderSpec, batches: IdBatch[]): Promise<EngineResult> {
  const { WgslEncoder } = await import('../src/model/encoder');
  const t0 = performance.now();
  const s = spec();
  const e = await makeEngine();
  const enc = new WgslEncoder(e, s);
  await e.sync();
  const loadSeconds = (performance.now() - t0) / 1000;
  const weights = e.pool.liveBytes;
  const pass = async (): Promise<number[][]> => {
    const pooled: number[][] = [];
    for (const b of batches) {
      const fwd = enc.forward({ B: b.rows, T: b.seq, ids: Uint32Array.from(b.ids), mask: Float32Array.from(b.mask), tokenTypes: null });
      const [tok, p] = await Promise.all([fwd.tokens.read(), fwd.pooled.read()]);
      if (tok.length !== b.rows * b.seq * s.hiddenSize) throw new Error('WGSL encoder: token states of an unexpected size');
      pooled.push(...rowsOf(p, b.rows, enc.pooledWidth));
    }
    enc.release();
    return pooled;
  };
  let t = performance.now();
  await pass();
  const warmupSeconds = (performance.now() - t) / 1000;
  e.pool.resetPeak();
  t = performance.now();
  const pooled = await pass();
  const seconds = (performance.now() - t) / 1000;
  const result: EngineResult = {
    engine: 'wgsl',
    what: 'WGSL WgslEncoder (frozen forward)',
    texts: pooled.length,
    loadSeconds,
    warmupSeconds,
    seconds,
    poolPeakBytes: e.pool.peakLiveBytes,
    poolWeightsBytes: weights,
    largestBufferBytes: e.pool.largestBuffer,
    pooled,
  };
  enc.dispose();
  e.destroy();
  return result;
}

/** max |a - b| / max |b| and the smallest per-row cosine of two lists of sentence vectors. */
export function parity(a: number[][], b: number[][]): { relMax: number; minCos: number } {
  if (a.length !== b.length) return { relMax: Infinity, minCos: -1 };
  let d = 0;
  let m = 0;
  let minCos = 1;
  a.forEach((x, r) => {
    const y = b[r];
    let dot = 0;
    let nx = 0;
    let ny = 0;
    x.forEach((v, j) => {
      d = Math.max(d, Math.abs(v - y[j]));
      m = Math.max(m, Math.abs(y[j]));
      dot += v * y[j];
      nx += v * v;
      ny += y[j] * y[j];
    });
    minCos = Math.min(minCos, dot / Math.sqrt(nx * ny || 1));
  });
  return { relMax: m > 0 ? d / m : d, minCos };
}
