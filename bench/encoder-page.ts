// The browser half of `npm run bench:encoder`: a page that drives the encoder Web Worker through EncoderClient,
// exactly as the studio does. bench/encoder.bench.ts builds it with Vite, serves it with `vite preview`
// (COOP/COEP) and calls window.encoderBench.run() from headless Chromium.
// It also runs the engine comparison (bench/encoder-engines.ts) on its own main thread: onnxruntime-web's wasm and
// WebGPU EPs and our WGSL forward on the same token-id batches. This page is a bench-only Vite entry
// (bench/encoder.html), never part of the app's build: the app bundle exposes nothing for it.
// Design decision: the page only measures and reports (wall times, the EP that actually ran, JS heap where the
// browser exposes performance.memory); it decides nothing — the Node script picks EPs, subsets and prints.
import type { EncodedExample } from '../src/encoder/types';
import { defaultModelUrl } from '../src/encoder/sources';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import { readEncoderSpec } from '../src/model/onnx-reader';
import { runOrt, runWgsl, type EngineKind, type EngineResult, type IdBatch } from './encoder-engines';
import { EncoderClient } from '../src/worker/encoder-client';
import type { LoadedReport } from '../src/worker/protocol';

export interface PageRunConfig {
  epPolicy: 'wasm' | 'webgpu' | 'auto';
  texts: string[];
  /** Texts encoded (and discarded) before timing: first-run costs (WebGPU shader compiles). */
  warmupTexts: number;
  /** Encode through the OPFS feature cache: the first pass fills it, then `cachePasses` passes are timed. */
  cache: boolean;
  cachePasses: number;
  wasmThreads?: number;
}

export interface PageRunResult {
  load: LoadedReport;
  warmupSeconds: number;
  /** Timed passes: seconds for all texts each. Without cache: one pass; with: the fill pass, then the hit passes. */
  passes: { seconds: number; cacheHits: number }[];
  checksum: number;
  jsHeapMb: number | null;
  crossOriginIsolated: boolean;
}

function heapMb(): number | null {
  const m = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return m ? m.usedJSHeapSize / 2 ** 20 : null;
}

/** Sum of the pooled vectors' first components: shows two runs computed the same thing. */
function checksum(xs: EncodedExample[]): number {
  return xs.reduce((s, x) => s + x.pooled[0], 0);
}

async function run(cfg: PageRunConfig): Promise<PageRunResult> {
  const client = new EncoderClient();
  try {
    const load = await client.load({ kind: 'default' }, { epPolicy: cfg.epPolicy, wasmThreads: cfg.wasmThreads });
    const inputs = cfg.texts.map((text) => ({ text }));
    let t = performance.now();
    if (cfg.warmupTexts > 0) await client.encode(inputs.slice(0, cfg.warmupTexts), { cache: false });
    const warmupSeconds = (performance.now() - t) / 1000;
    const passes: PageRunResult['passes'] = [];
    let last: EncodedExample[] = [];
    if (cfg.cache) await client.clearCache();
    const n = cfg.cache ? 1 + cfg.cachePasses : 1;
    let peakHeap = heapMb();
    for (let i = 0; i < n; i++) {
      const before = client.cacheStats?.hits ?? 0;
      t = performance.now();
      last = await client.encode(inputs, { cache: cfg.cache });
      const seconds = (performance.now() - t) / 1000;
      passes.push({ seconds, cacheHits: cfg.cache ? (client.cacheStats?.hits ?? 0) - before : 0 });
      const h = heapMb();
      if (h !== null) peakHeap = Math.max(peakHeap ?? 0, h);
    }
    return { load, warmupSeconds, passes, checksum: checksum(last), jsHeapMb: peakHeap, crossOriginIsolated };
  } finally {
    await client.dispose();
  }
}

export interface PageEngineConfig {
  engine: EngineKind;
  batches: IdBatch[];
  wasmThreads?: number;
}

export type PageEngineResult = EngineResult;

let modelBytes: Promise<Uint8Array> | null = null;

/** The default model's bytes, fetched once from this server (public/models/use-lite/model.onnx). */
function model(): Promise<Uint8Array> {
  modelBytes ??= fetch(`${defaultModelUrl()}model.onnx`).then(async (r) => {
    if (!r.ok) throw new Error(`model.onnx: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  });
  return modelBytes;
}

/** The engine comparison on this page's main thread: onnxruntime-web (wasm or WebGPU EP) or our WGSL forward. */
async function engines(cfg: PageEngineConfig): Promise<PageEngineResult> {
  const bytes = await model();
  if (cfg.engine === 'wgsl') return runWgsl(async () => new GpuEngine(await acquireGpu()), () => readEncoderSpec(bytes), cfg.batches);
  const ort = await import('onnxruntime-web');
  if (cfg.wasmThreads !== undefined) ort.env.wasm.numThreads = cfg.wasmThreads;
  ort.env.logLevel = 'error';
  return runOrt(ort, bytes, cfg.engine === 'ort-wasm' ? 'wasm' : 'webgpu', cfg.batches);
}

/** The page's WebGPU adapter (the one the worker's WebGPU EP also gets on this machine), in words. */
async function adapter(): Promise<{ description: string; isFallbackAdapter: boolean; host: string }> {
  const gpu = await acquireGpu();
  try {
    return { description: describeAdapter(gpu.report), isFallbackAdapter: gpu.report.isFallbackAdapter, host: gpu.report.host };
  } finally {
    gpu.destroy();
  }
}

// EncoderClient is exposed too, for ad-hoc checks from the browser console or Playwright.
(window as unknown as { encoderBench: { run: typeof run; engines: typeof engines; adapter: typeof adapter; EncoderClient: typeof EncoderClient; ready: true } }).encoderBench = {
  run,
  engines,
  adapter,
  EncoderClient,
  ready: true,
};
