// The Web Worker that hosts the frozen encoder in the browser (onnxruntime-web, runtime 'web'), so tokenising
// and session runs never block the page. It answers the requests of protocol.ts (load a model source, encode,
// cancel, clear the feature cache, dispose) through EncoderHost, wired here to the browser: model sources over
// fetch with hub files in Cache Storage, the OPFS feature cache, and navigator.gpu. Started by
// encoder-client.ts with `new Worker(new URL('./encoder-worker.ts', import.meta.url), { type: 'module' })`.
// Design decisions:
// - EP policy "auto" needs to know whether the WebGPU adapter is a fallback (CPU) one: the worker asks
//   navigator.gpu for the adapter's info only (no device is created) unless the caller passed it in.
// - onnxruntime-web's .wasm location is pinned (env.wasm.wasmPaths) from a Vite `?url` import. Vite already
//   rewrites onnxruntime-web's own `new URL('...wasm', import.meta.url)` in dev and in builds (checked with
//   bench/encoder.html both ways; the build emits one hashed assets/ort-wasm-simd-threaded.jsep-*.wasm), so
//   vite.config.ts needs no change; the explicit path keeps that location one visible fact, not a bundler accident.
import { probeAdapter } from '../gpu/device';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { OpfsCacheStore } from '../encoder/cache-store-opfs';
import { FeatureCache } from '../encoder/feature-cache';
import { loadRuntime, type OrtRuntime } from '../encoder/runtime';
import { loadModelSource } from '../encoder/sources';
import { EncoderHost } from './encoder-host';
import type { WorkerRequest, WorkerResponse } from './protocol';

/** The slice of DedicatedWorkerGlobalScope used here (tsconfig's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: WorkerResponse, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

let runtime: Promise<OrtRuntime> | null = null;

const host = new EncoderHost({
  loadSource: (source, opts) => loadModelSource(source, opts),
  // onnxruntime-web reads numThreads once, when its wasm starts: the first load's wasmThreads holds.
  runtime: (opts) =>
    (runtime ??= loadRuntime('web', { wasmThreads: opts.wasmThreads }).then((rt) => {
      rt.ort.env.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, self.location.href).href };
      return rt;
    })),
  adapterHint: probeAdapter,
  openCache: () => FeatureCache.open({ store: new OpfsCacheStore() }),
  post: (message, transfer) => scope.postMessage(message, transfer),
});

scope.addEventListener('message', (ev) => host.handle(ev.data));
