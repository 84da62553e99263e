// The request handling of the trainer worker (train-protocol.ts), apart from the worker's globals so it runs in
// Node over a real MessageChannel (the gpu test tier). train-worker.ts wires it to the browser's navigator.gpu.
// Design decisions:
// - The host owns one GpuEngine on its own device, acquired for the first run and again after a device loss;
//   one run at a time (a second 'train' while one runs is refused with an error naming the first).
// - Pause, resume and stop act between steps: the run's pause gate waits while paused and yields to the event
//   loop at least every ~30 ms, so control messages are read while a run records GPU work. A worker's event loop
//   is not throttled in a background tab, so the run keeps its speed there.
// - A 'measure' (a step timed on synthetic features, train/measure-job.ts) uses the same engine; a run asked for
//   while one is measured waits for it (never refused), and a measure asked for during a run is refused.
import type { GpuEngine } from '../gpu/engine';
import { measureStepTime } from '../train/measure-job';
import { outcomeTransferables, runTrainJob } from '../train/train-job';
import { errorToData } from './protocol';
import type { TrainRequest, TrainResponse } from './train-protocol';

export interface TrainHostDeps {
  /** A GpuEngine on a new device (the first run, and the next run after a device loss). */
  acquire(): Promise<GpuEngine>;
  post(message: TrainResponse, transfer: Transferable[]): void;
}

interface ActiveRun {
  id: number;
  ctrl: AbortController;
  paused: boolean;
  wake: (() => void) | null;
}

/** Yield to the event loop (a macrotask, so queued messages are handled), faster than setTimeout's clamp. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

export class TrainHost {
  private engine: Promise<GpuEngine> | null = null;
  private run: ActiveRun | null = null;
  /** The measurement in progress (a run waits for it). */
  private measuring: Promise<unknown> | null = null;

  constructor(private readonly deps: TrainHostDeps) {}

  handle(req: TrainRequest): void {
    switch (req.type) {
      case 'train':
        void this.train(req).catch((err) => this.post({ type: 'error', id: req.id, error: errorToData(err) }));
        return;
      case 'measure':
        void this.measure(req).catch((err) => this.post({ type: 'error', id: req.id, error: errorToData(err) }));
        return;
      case 'pause':
        if (this.run?.id === req.target) this.run.paused = true;
        return;
      case 'resume':
        if (this.run?.id === req.target) this.wake(this.run);
        return;
      case 'stop':
        if (this.run?.id === req.target) {
          this.run.ctrl.abort();
          this.wake(this.run);
        }
        return;
      case 'dispose':
        void this.dispose().then(() => this.post({ type: 'disposed', id: req.id }));
        return;
      default:
        this.post({ type: 'error', id: (req as { id: number }).id, error: errorToData(new Error(`trainer worker: unknown request type ${JSON.stringify((req as { type?: unknown }).type)}`)) });
    }
  }

  private post(message: TrainResponse, transfer: Transferable[] = []): void {
    this.deps.post(message, transfer);
  }

  private wake(run: ActiveRun): void {
    run.paused = false;
    run.wake?.();
    run.wake = null;
  }

  /** The engine, acquired once; forgotten when its device is lost so the next run gets a new one. */
  private getEngine(): Promise<GpuEngine> {
    if (!this.engine) {
      const p = this.deps.acquire();
      this.engine = p;
      p.then(
        (e) => void e.gpu.lost.then(() => (this.engine === p ? (this.engine = null) : undefined)),
        () => (this.engine === p ? (this.engine = null) : undefined),
      );
    }
    return this.engine;
  }

  private async train(req: Extract<TrainRequest, { type: 'train' }>): Promise<void> {
    if (this.run) throw new Error(`The trainer is busy with run ${this.run.id}: stop it (or wait for it) before starting another.`);
    const run: ActiveRun = { id: req.id, ctrl: new AbortController(), paused: false, wake: null };
    this.run = run;
    try {
      await this.measuring?.catch(() => undefined);
      const e = await this.getEngine();
      this.post({ type: 'started', id: req.id, adapter: e.gpu.report });
      let lastYield = performance.now();
      const outcome = await runTrainJob(e, req.job, {
        signal: run.ctrl.signal,
        lost: e.gpu.lost.then((li) => `The GPU device was lost during training (${li.reason}${li.message ? `: ${li.message}` : ''}).`),
        pauseGate: async () => {
          if (performance.now() - lastYield > 30) {
            await yieldToEventLoop();
            lastYield = performance.now();
          }
          while (run.paused && !run.ctrl.signal.aborted) await new Promise<void>((r) => (run.wake = r));
        },
        onEstimate: (estimate) => this.post({ type: 'estimate', id: req.id, estimate }),
        onStep: (record) => this.post({ type: 'step', id: req.id, record }),
        onEval: (record) => this.post({ type: 'eval', id: req.id, record }),
        onCheckpoint: (best) => this.post({ type: 'checkpoint', id: req.id, best }),
      });
      this.post({ type: 'outcome', id: req.id, outcome }, outcomeTransferables(outcome));
    } finally {
      if (this.run === run) this.run = null;
    }
  }

  private async measure(req: Extract<TrainRequest, { type: 'measure' }>): Promise<void> {
    if (this.run) throw new Error(`The trainer is busy with run ${this.run.id}: a step can be measured only between runs.`);
    while (this.measuring) await this.measuring.catch(() => undefined);
    const p = this.getEngine().then((e) => measureStepTime(e, req.spec));
    this.measuring = p;
    try {
      this.post({ type: 'measured', id: req.id, measure: await p });
    } finally {
      if (this.measuring === p) this.measuring = null;
    }
  }

  private async dispose(): Promise<void> {
    if (this.run) {
      this.run.ctrl.abort();
      this.wake(this.run);
    }
    const e = await this.engine?.catch(() => null);
    this.engine = null;
    e?.gpu.destroy();
  }
}
