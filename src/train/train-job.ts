// One training job from plain data on a GPU engine: build the head of a kind, time a few real steps first (on a
// CPU adapter), fit with live callbacks, keep a CPU copy of every new best checkpoint, then evaluate the kept head
// on dev and read its parameters back. The studio's trainer worker runs it (src/worker/train-host.ts), on the
// worker's own device; the page only sees what it returns.
// Design decisions:
// - Everything in and out is structured-cloneable data (TrainJobSpec, TrainJobOutcome), so a job crosses a worker
//   boundary as is; examples are cached features or token ids (TrainExample), so a kind whose registry entry
//   says input 'token-ids' (fine-tuning, the L-Tuning kinds) needs only `ctx.encoderSpec` and token examples.
// - A lost device is an outcome, not an error: the job stops, and returns the CPU copy of the best checkpoint
//   (read back at each new best evaluation, because nothing can be read from a device once it is lost).
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { buildHead, type HeadContext, type HeadKind } from '../heads/registry';
import { firstNonFinite } from '../heads/serialize';
import type { TrainExample } from './batches';
import { estimateRun, type RunEstimate } from './estimate';
import type { Metrics } from './metrics';
import { Trainer, type EvalRecord, type StepRecord, type TrainOptions, type TrainResult } from './trainer';

export interface TrainJobSpec {
  kind: HeadKind;
  /** Widths, labels, pairs, label-text features, seed; `encoderSpec` for token-id kinds. */
  ctx: HeadContext;
  /** The trainer's options, complete (the caller applied the kind's defaults). */
  options: TrainOptions;
  train: TrainExample[];
  dev: TrainExample[];
  /** Time real steps before training: always, never, or only on a CPU (fallback) adapter. */
  measure: 'always' | 'never' | 'cpu-adapter';
}

export interface TrainJobHooks {
  onEstimate?: (est: RunEstimate) => void;
  onStep?: (r: StepRecord) => void;
  onEval?: (r: EvalRecord) => void;
  /** A new best checkpoint, read back to the CPU (the studio keeps it in the run history while the run goes on). */
  onCheckpoint?: (best: Checkpoint) => void;
  signal?: AbortSignal;
  /** Awaited before every step (pause/resume, and yielding to the event loop so control messages are read). */
  pauseGate?: () => Promise<void>;
  /** Resolves with a sentence when the engine's device is lost. */
  lost?: Promise<string>;
}

/** The best checkpoint's parameters on the CPU (head.params order), with the evaluation that made it the best. */
export interface Checkpoint {
  rec: EvalRecord;
  values: Float32Array[];
}

export type TrainJobOutcome =
  /** The kept head on dev (logits (N, L) row-major) and its parameters; `nonFinite`: what is not finite ("holds w[3] = NaN"), if anything. */
  | { status: 'finished'; result: TrainResult; final: { loss: number; metrics: Metrics; logits: Float32Array }; params: Float32Array[]; nonFinite: string | null }
  | { status: 'lost'; message: string; best: Checkpoint | null; steps: number }
  | { status: 'failed'; stage: 'build' | 'train' | 'evaluate'; message: string };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Dev score used for model selection, as the trainer does: accuracy (multi-label: macro-F1), then lower loss. */
function better(a: EvalRecord, b: EvalRecord | null): boolean {
  if (!Number.isFinite(a.loss)) return false;
  if (!b) return true;
  const score = (r: EvalRecord) => (r.metrics.multiLabel ? r.metrics.macroF1 : r.metrics.accuracy);
  if (score(a) !== score(b)) return score(a) > score(b);
  return a.loss < b.loss;
}

/** Every ArrayBuffer of an outcome once (for a transfer list). */
export function outcomeTransferables(o: TrainJobOutcome): ArrayBuffer[] {
  const arrays = o.status === 'finished' ? [o.final.logits, ...o.params] : o.status === 'lost' ? (o.best?.values ?? []) : [];
  return [...new Set(arrays.map((a) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
}

/** Run one job on `e`; see the file header. Never throws: every ending is an outcome. */
export async function runTrainJob(e: GpuEngine, spec: TrainJobSpec, hooks: TrainJobHooks = {}): Promise<TrainJobOutcome> {
  let head: Head;
  let trainer: Trainer;
  try {
    head = buildHead(e, spec.kind, spec.ctx);
  } catch (err) {
    return { status: 'failed', stage: 'build', message: message(err) };
  }
  try {
    trainer = new Trainer(e, head, spec.options);
  } catch (err) {
    head.dispose();
    return { status: 'failed', stage: 'build', message: message(err) };
  }
  // Held in an object: closures update these, which TypeScript's narrowing of a plain `let` would not see.
  const live: { lost: string | null; bestRec: EvalRecord | null; best: Checkpoint | null; steps: number } = { lost: null, bestRec: null, best: null, steps: 0 };
  const stop = new AbortController();
  hooks.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  void hooks.lost?.then((msg) => {
    live.lost = msg;
    stop.abort();
  });
  try {
    const measure = spec.measure === 'always' || (spec.measure === 'cpu-adapter' && e.gpu.report.isFallbackAdapter);
    if (measure && head.params.length > 0 && !stop.signal.aborted) {
      try {
        hooks.onEstimate?.(await estimateRun(e, trainer, spec.train, spec.dev.length));
      } catch {
        // An estimate is advice: a run that cannot be measured still trains (a lost device shows below).
      }
    }
    let result: TrainResult;
    try {
      if (head.params.length === 0) {
        // Zero-shot: nothing to train; its one evaluation is the run.
        const r = await trainer.evaluate(spec.dev);
        const rec: EvalRecord = { step: 0, epoch: 0, loss: r.loss, metrics: r.metrics };
        hooks.onEval?.(rec);
        result = { stoppedBy: 'epochs', message: 'The zero-shot head has nothing to train: evaluated as is.', steps: 0, best: rec, train: [], dev: [rec], seconds: 0 };
      } else {
        result = await trainer.fit(spec.train, spec.dev, {
          signal: stop.signal,
          pauseGate: hooks.pauseGate,
          onStep: (r) => {
            live.steps = r.step;
            hooks.onStep?.(r);
          },
          onEval: (r) => {
            live.steps = r.step;
            hooks.onEval?.(r);
            if (better(r, live.bestRec)) {
              live.bestRec = r;
              // Queued now, before the next step: the read sees exactly this checkpoint.
              Promise.all(head.params.map((p) => p.value.read())).then(
                (values) => {
                  live.best = { rec: r, values };
                  hooks.onCheckpoint?.(live.best);
                },
                () => undefined,
              );
            }
          },
        });
      }
    } catch (err) {
      // A lost device often shows first as a failed readback: give its `lost` promise a moment to say so.
      if (!live.lost && hooks.lost) await Promise.race([hooks.lost, new Promise((r) => setTimeout(r, 300))]);
      if (live.lost) return { status: 'lost', message: live.lost, best: live.best, steps: live.steps };
      return { status: 'failed', stage: 'train', message: message(err) };
    }
    if (live.lost) return { status: 'lost', message: live.lost, best: live.best, steps: live.steps };
    // The head holds the best checkpoint (the trainer restored it): its dev predictions and parameters.
    try {
      const final = await trainer.evaluate(spec.dev);
      const nonFinite = !Number.isFinite(final.loss) ? `gives a non-finite dev loss (${final.loss})` : await firstNonFinite(head).then((p) => (p ? `holds ${p}` : null));
      const params = await Promise.all(head.params.map((p) => p.value.read()));
      return { status: 'finished', result, final, params, nonFinite };
    } catch (err) {
      if (!live.lost && hooks.lost) await Promise.race([hooks.lost, new Promise((r) => setTimeout(r, 300))]);
      if (live.lost) return { status: 'lost', message: live.lost, best: live.best, steps: live.steps };
      return { status: 'failed', stage: 'evaluate', message: message(err) };
    }
  } finally {
    trainer.dispose();
    head.dispose();
  }
}
