// The browser half of `npm run bench:encoder`: a page that drives the encoder Web Worker through EncoderClient,
// exactly as the studio does. bench/encoder.bench.ts builds it with Vite, serves it with `vite preview`
// (COOP/COEP) and calls window.encoderBench.run() from headless Chromium.
// Design decision: the page only measures and reports (wall times, the EP that actually ran, JS heap where the
// browser exposes performance.memory); it decides nothing — the Node script picks EPs, subsets and prints.
import type { EncodedExample } from '../src/encoder/types';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
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
(window as unknown as { encoderBench: { run: typeof run; adapter: typeof adapter; EncoderClient: typeof EncoderClient; ready: true } }).encoderBench = {
  run,
  adapter,
  EncoderClient,
  ready: true,
};
