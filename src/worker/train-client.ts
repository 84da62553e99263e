// Page side of the trainer Web Worker: `train(job, callbacks)` starts a run in the worker and returns its handle
// (outcome promise, pause, resume, stop). Requests and responses are train-protocol.ts; the job and its outcome
// are src/train/train-job.ts's types, which is all the store sees.
// Design decisions:
// - The job's arrays are COPIED into buffers of their own and those are transferred (packJob, in slices of ~8 ms
//   so the copy is no long task): the page keeps its
//   encoded sets for the next run and the zero-shot preview, and no example drags a larger buffer along (the
//   encoder hands out views into its batch outputs: cloning a view clones its whole buffer, which made posting a
//   150-example job a 1.3 s main-thread task). The outcome's buffers come back transferred.
// - A worker that dies (script error) rejects every run still pending with a message saying so, never hangs.
import type { AdapterReport } from '../gpu/device';
import type { RunEstimate } from '../train/estimate';
import type { MeasureSpec, StepMeasure } from '../train/measure-job';
import type { Checkpoint, TrainJobOutcome, TrainJobSpec } from '../train/train-job';
import type { EvalRecord, StepRecord } from '../train/trainer';
import { errorFromData } from './encoder-client';
import type { TrainRequest, TrainResponse } from './train-protocol';

/** What the client needs of a Worker (a real one in the browser; a MessagePort in Node tests). */
export interface TrainWorkerLike {
  postMessage(message: TrainRequest, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<TrainResponse>) => void): void;
  addEventListener(type: 'error', listener: (ev: ErrorEvent) => void): void;
  terminate?(): void;
}

export interface TrainRunCallbacks {
  /** The worker has its device and the run begins: the adapter it trains on. */
  onStarted?: (adapter: AdapterReport) => void;
  /** A step's time measured before training (on a CPU adapter, or when the job asks). */
  onEstimate?: (est: RunEstimate) => void;
  onStep?: (r: StepRecord) => void;
  onEval?: (r: EvalRecord) => void;
  /** A new best checkpoint's parameters (the run history keeps them while the run goes on). */
  onCheckpoint?: (best: Checkpoint) => void;
}

export interface TrainRunHandle {
  /** The run's ending; rejects only when the run never started (no WebGPU in the worker, busy) or the worker died. */
  outcome: Promise<TrainJobOutcome>;
  /** Between steps: the run waits until resume() or stop(). */
  pause(): void;
  resume(): void;
  /** The run ends at the next step with its best checkpoint (outcome 'finished', stoppedBy 'aborted'). */
  stop(): void;
}

interface Pending {
  cb: TrainRunCallbacks;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * A copy of `value` in which every typed array is a fresh array over a buffer of its own (exactly its bytes),
 * and those buffers, each once, for a transfer list. Plain objects and arrays are copied; anything else is kept.
 */
export function packValue<T>(value: T, transfer: ArrayBuffer[] = []): { value: T; transfer: ArrayBuffer[] } {
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
      transfer.push(bytes.buffer);
      return new (v.constructor as new (b: ArrayBuffer) => ArrayBufferView)(bytes.buffer);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return { value: walk(value) as T, transfer };
}

/** Yield to the event loop (a macrotask), faster than setTimeout's clamp. */
function yieldTask(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

/**
 * packValue over a whole job, example by example, yielding to the event loop every ~8 ms: copying the features
 * of a large set is many milliseconds of main-thread work, which must not become one long task.
 */
export async function packJob(job: TrainJobSpec): Promise<{ value: TrainJobSpec; transfer: ArrayBuffer[] }> {
  const transfer: ArrayBuffer[] = [];
  let last = performance.now();
  const list = async (xs: readonly TrainJobSpec['train'][number][]) => {
    const out: TrainJobSpec['train'] = [];
    for (const x of xs) {
      out.push(packValue(x, transfer).value);
      if (performance.now() - last > 8) {
        await yieldTask();
        last = performance.now();
      }
    }
    return out;
  };
  const ctx = packValue(job.ctx, transfer).value;
  const value: TrainJobSpec = { ...job, ctx, train: await list(job.train), dev: await list(job.dev) };
  return { value, transfer };
}

/** Start the trainer worker (Vite bundles train-worker.ts as a module worker). */
export function startTrainWorker(): Worker {
  return new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module', name: 'labeltune-trainer' });
}

export class TrainerClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;

  constructor(private readonly worker: TrainWorkerLike = startTrainWorker()) {
    worker.addEventListener('message', (ev) => this.onMessage(ev.data));
    worker.addEventListener('error', (ev) => {
      this.fail(new Error(`The trainer worker failed: ${ev.message || 'its script could not be loaded or threw at start-up'}` + (ev.filename ? ` (${ev.filename}:${ev.lineno})` : '')));
    });
  }

  /** Start a run in the worker; see TrainRunHandle. */
  train(job: TrainJobSpec, cb: TrainRunCallbacks = {}): TrainRunHandle {
    const id = this.nextId++;
    // Controls given while the job is still being packed are sent right after it.
    const state = { posted: false, paused: false, stopped: false };
    const control = (type: 'pause' | 'resume' | 'stop') => () => {
      if (type === 'stop') state.stopped = true;
      else state.paused = type === 'pause';
      if (state.posted && this.pending.has(id)) this.post({ type, id: this.nextId++, target: id });
    };
    const outcome = this.dead
      ? Promise.reject(this.dead)
      : new Promise<TrainJobOutcome>((resolve, reject) => {
          this.pending.set(id, { cb, resolve: resolve as (v: unknown) => void, reject });
          packJob(job).then(
            (packed) => {
              if (!this.pending.has(id)) return; // the worker died meanwhile
              this.worker.postMessage({ type: 'train', id, job: packed.value }, packed.transfer);
              state.posted = true;
              if (state.paused) this.post({ type: 'pause', id: this.nextId++, target: id });
              if (state.stopped) this.post({ type: 'stop', id: this.nextId++, target: id });
            },
            (err) => this.settle(id, (p) => p.reject(err)),
          );
        });
    return { outcome, pause: control('pause'), resume: control('resume'), stop: control('stop') };
  }

  /** Time one training step of `spec.kind` on synthetic features of shape (B, T, C) in the worker (train/measure-job.ts). */
  measure(spec: MeasureSpec): Promise<StepMeasure> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<StepMeasure>((resolve, reject) => {
      this.pending.set(id, { cb: {}, resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: 'measure', id, spec });
    });
  }

  /** Stop any run and release the worker's device, then end the worker. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.dead) return;
    const id = this.nextId++;
    try {
      await new Promise((resolve, reject) => {
        this.pending.set(id, { cb: {}, resolve, reject });
        this.post({ type: 'dispose', id });
      });
    } finally {
      this.worker.terminate?.();
      this.fail(new Error('The trainer client was disposed.'));
    }
  }

  private post(req: TrainRequest): void {
    this.worker.postMessage(req);
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    fn(p);
  }

  private onMessage(msg: TrainResponse): void {
    const p = this.pending.get(msg.id);
    switch (msg.type) {
      case 'started':
        p?.cb.onStarted?.(msg.adapter);
        break;
      case 'estimate':
        p?.cb.onEstimate?.(msg.estimate);
        break;
      case 'step':
        p?.cb.onStep?.(msg.record);
        break;
      case 'eval':
        p?.cb.onEval?.(msg.record);
        break;
      case 'checkpoint':
        p?.cb.onCheckpoint?.(msg.best);
        break;
      case 'outcome':
        this.settle(msg.id, (q) => q.resolve(msg.outcome));
        break;
      case 'measured':
        this.settle(msg.id, (q) => q.resolve(msg.measure));
        break;
      case 'disposed':
        this.settle(msg.id, (q) => q.resolve(undefined));
        break;
      case 'error':
        this.settle(msg.id, (q) => q.reject(errorFromData(msg.error)));
        break;
    }
  }

  /** Reject everything pending and refuse further runs. */
  private fail(err: Error): void {
    this.dead ??= err;
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(err));
  }
}
