// The Web Worker that trains the studio's heads on its own WebGPU device, so a run never blocks the page: the
// page's main thread only receives a few small messages per second (steps read back, dev evaluations) and the
// outcome. It answers the requests of train-protocol.ts through TrainHost, wired here to navigator.gpu (the
// one acquireGpu of src/gpu/device.ts). Started by train-client.ts with
// `new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' })`.
// Design decision: the worker runs no kernel self-check of its own: the page's engine checked the kernels on
// the same adapter when the studio started (src/diagnostics/self-check.ts); a device error here fails the run.
import { acquireGpu } from '../gpu/device';
import { GpuEngine } from '../gpu/engine';
import { TrainHost } from './train-host';
import type { TrainRequest, TrainResponse } from './train-protocol';

/** The slice of DedicatedWorkerGlobalScope used here (tsconfig's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: TrainResponse, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<TrainRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

const host = new TrainHost({
  // A lost device is reported to the run (its outcome), not as a console error.
  acquire: async () => new GpuEngine(await acquireGpu({ onLost: () => undefined })),
  post: (message, transfer) => scope.postMessage(message, transfer),
});

scope.addEventListener('message', (ev) => host.handle(ev.data));
