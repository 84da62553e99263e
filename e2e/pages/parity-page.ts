// The browser half of e2e/parity.test.ts: on this page's main thread, the SAME token ids through our WGSL encoder
// (src/model WgslEncoder, frozen, weights read by readEncoderSpec from the model.onnx bytes) and through
// onnxruntime-web's wasm EP (a plain InferenceSession on the same bytes), as bench/encoder-page.ts does for the
// engine comparison. Design decision: the page computes the parity numbers itself (max|diff| / max|ref| and
// cosine over the real token rows and over the sentence vectors) and returns only those, so nothing model-sized
// crosses into Node; the reference for a model without a pooled output is the app's masked mean in float64.
import * as ort from 'onnxruntime-web';
import { acquireGpu, describeAdapter } from '../../src/gpu/device';
import { GpuEngine } from '../../src/gpu/engine';
import { WgslEncoder } from '../../src/model/encoder';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import type { EncoderSpec } from '../../src/model/spec';

/** One padded batch (plain arrays: structured-clone friendly). */
export interface ParityBatch {
  name: string;
  B: number;
  T: number;
  ids: number[];
  mask: number[];
  tokenTypes: number[] | null;
}

export interface Parity {
  /** max |wgsl - ort| / max |ort| */
  rel: number;
  maxDiff: number;
  cos: number;
}

export interface ParityResult {
  name: string;
  tokens: Parity;
  pooled: Parity;
}

function parity(got: ArrayLike<number>, want: ArrayLike<number>): Parity {
  if (got.length !== want.length) throw new Error(`parity: ${got.length} values vs ${want.length}`);
  let maxRef = 0, maxDiff = 0, dot = 0, ng = 0, nw = 0;
  for (let i = 0; i < want.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    dot += got[i] * want[i];
    ng += got[i] * got[i];
    nw += want[i] * want[i];
  }
  return { rel: maxDiff / maxRef, maxDiff, cos: dot / Math.sqrt(ng * nw) };
}

/** Rows (of width C) where the batch mask is 1. */
function realRows(x: ArrayLike<number>, mask: ArrayLike<number>, C: number): Float32Array {
  const out: number[] = [];
  for (let r = 0; r < mask.length; r++) if (mask[r]) for (let j = 0; j < C; j++) out.push(x[r * C + j]);
  return Float32Array.from(out);
}

/** The app's pooling of a model without a pooled output: masked mean, count floor 1, in float64. */
function maskedMean(tokens: Float32Array, b: ParityBatch, C: number): Float32Array {
  const out = new Float32Array(b.B * C);
  for (let r = 0; r < b.B; r++) {
    const acc = new Float64Array(C);
    let n = 0;
    for (let t = 0; t < b.T; t++) {
      if (!b.mask[r * b.T + t]) continue;
      n++;
      for (let j = 0; j < C; j++) acc[j] += tokens[(r * b.T + t) * C + j];
    }
    for (let j = 0; j < C; j++) out[r * C + j] = acc[j] / Math.max(n, 1);
  }
  return out;
}

async function runOrt(session: ort.InferenceSession, spec: EncoderSpec, b: ParityBatch): Promise<{ tokens: Float32Array; pooled: Float32Array }> {
  const big = (a: number[]) => BigInt64Array.from(a, (x) => BigInt(x));
  const feeds: Record<string, ort.Tensor> = {
    [spec.io.inputIds]: new ort.Tensor('int64', big(b.ids), [b.B, b.T]),
    [spec.io.attentionMask]: new ort.Tensor('int64', big(b.mask), [b.B, b.T]),
  };
  if (spec.io.tokenTypeIds) feeds[spec.io.tokenTypeIds] = new ort.Tensor('int64', big(b.tokenTypes ?? new Array(b.B * b.T).fill(0)), [b.B, b.T]);
  const out = await session.run(feeds);
  const tokens = out[spec.io.tokens].data as Float32Array;
  const pooled = spec.io.pooled ? (out[spec.io.pooled].data as Float32Array) : maskedMean(tokens, b, spec.hiddenSize);
  return { tokens, pooled };
}

/** model.onnx bytes from base64 (the tiny BERT, generated in Node) or fetched from this server (USE-lite). */
async function modelBytes(src: { base64?: string; url?: string }): Promise<Uint8Array> {
  if (src.base64) return Uint8Array.from(atob(src.base64), (c) => c.charCodeAt(0));
  const r = await fetch(src.url!);
  if (!r.ok) throw new Error(`${src.url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function run(src: { base64?: string; url?: string }, batches: ParityBatch[]): Promise<{ adapter: string; fallback: boolean; ep: string; results: ParityResult[] }> {
  const bytes = await modelBytes(src);
  const spec = readEncoderSpec(bytes);
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const gpu = await acquireGpu();
  const e = new GpuEngine(gpu);
  const enc = new WgslEncoder(e, spec);
  const results: ParityResult[] = [];
  try {
    for (const b of batches) {
      const fwd = enc.forward({ B: b.B, T: b.T, ids: Uint32Array.from(b.ids), mask: Float32Array.from(b.mask), tokenTypes: b.tokenTypes ? Uint32Array.from(b.tokenTypes) : null });
      const [tokens, pooled] = await Promise.all([fwd.tokens.read(), fwd.pooled.read()]);
      const maskHost = fwd.maskHost.slice();
      const ref = await runOrt(session, spec, b);
      const C = spec.hiddenSize;
      results.push({
        name: b.name,
        tokens: parity(realRows(tokens, maskHost, C), realRows(ref.tokens, maskHost, C)),
        pooled: parity(pooled.subarray(0, ref.pooled.length), ref.pooled),
      });
    }
    await e.sync();
    const errors = [...gpu.uncapturedErrors];
    if (errors.length) throw new Error(`uncaptured WebGPU errors: ${errors.join('; ')}`);
    return { adapter: describeAdapter(gpu.report), fallback: gpu.report.isFallbackAdapter, ep: 'onnxruntime-web wasm EP', results };
  } finally {
    enc.dispose();
    e.destroy();
    gpu.destroy();
    await session.release();
  }
}

(window as unknown as { parity: { run: typeof run; ready: true } }).parity = { run, ready: true };
