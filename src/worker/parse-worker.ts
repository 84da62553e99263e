// The Web Worker that reads and parses dataset files for the studio, so a 4 MB SST-2 file never freezes the
// page. It answers parse-protocol.ts requests with parse-host.ts; started by parse-client.ts with
// `new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module' })`.
// Design decision: requests are handled one at a time in arrival order (parsing is synchronous CPU work);
// cancelling is the client's job — it terminates this worker and starts a fresh one.
import { errorToData, parseSource, throttleProgress } from './parse-host';
import type { ParseRequest, ParseResponse } from './parse-protocol';

/** The slice of DedicatedWorkerGlobalScope used here (tsconfig's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: ParseResponse): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<ParseRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

let queue: Promise<void> = Promise.resolve();

scope.addEventListener('message', (ev) => {
  const req = ev.data;
  if (req.type !== 'parse') return;
  queue = queue.then(async () => {
    const progress = throttleProgress((stage, fraction) => scope.postMessage({ type: 'progress', id: req.id, stage, fraction }));
    try {
      const file = await parseSource(req.source, req.name, req.override, progress);
      scope.postMessage({ type: 'parsed', id: req.id, file });
    } catch (err) {
      scope.postMessage({ type: 'error', id: req.id, error: errorToData(err) });
    }
  });
});
