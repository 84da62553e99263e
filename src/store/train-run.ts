// One training run of the studio: check what it needs, encode (dev, train, label texts: ./encoded-sets.ts), show
// the zero-shot score of the label texts, build the chosen head (the head registry) and train it with live charts,
// then make its best checkpoint the active head, keep its dev predictions for Results and save the run to the
// history. The same steps as the CLI's `labeltune train` (src/cli/train-cmd.ts).
// Design decision: the run's RunRecord is built up here and republished to the store at most every 250 ms (a
// copy), so the charts follow the run without a store update per step.
import type { EncodedExample, EncoderInfo } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { headMeta } from '../heads/head-meta';
import { buildHead, type HeadContext, type HeadKind } from '../heads/registry';
import { firstNonFinite } from '../heads/serialize';
import { Trainer, type EvalRecord, type StepRecord, type TrainResult } from '../train/trainer';
import { setActiveHead } from './active-head';
import type { CurrentDataset } from './data-prep';
import { finishDeviceLost, type BestCheckpoint } from './device-loss';
import { currentDataset, encodeLabelTexts, encodeSet, encoderTmax, type EncodedSet } from './encoded-sets';
import { getEncoderClient } from './encoder-workflows';
import { beginEncode, beginRun, endEncode, endRun, isCurrentRun, makePauseGate, resumeTraining } from './run-control';
import { RUN_RECORD_VERSION, type RunRecord } from './run-record';
import { keepRun } from './run-save';
import { useStudio } from './store';
import { formErrors, trainOptions } from './train-form';
import type { TrainForm, TrainSlice } from './train-slice';
import { getEngine } from './workflows';
import { cancelZeroShotPreview, evaluateZeroShot } from './zero-shot-preview';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';
const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);
const get = () => useStudio.getState();
const fail = (msg: string) => set({ trainStatus: 'error', trainError: msg, trainMessage: null });
const newRunId = () => `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

/** Dev score used for model selection, as the trainer does: accuracy, then lower loss. */
function better(a: EvalRecord, b: EvalRecord | null): boolean {
  if (!Number.isFinite(a.loss)) return false;
  if (!b) return true;
  if (a.metrics.accuracy !== b.metrics.accuracy) return a.metrics.accuracy > b.metrics.accuracy;
  return a.loss < b.loss;
}

/** Everything a run needs, or the sentence that says what is missing. */
function prerequisites(): { ds: CurrentDataset; info: EncoderInfo; engine: GpuEngine; form: TrainForm; kind: HeadKind; labelTexts: string[] } | string {
  const s = get();
  const ds = currentDataset();
  const info = getEncoderClient()?.info;
  const engine = getEngine();
  if (!ds) return 'No dataset yet: drop a file in the Data panel (or wait for the demo dataset to load).';
  if (!info) return 'The encoder is not loaded yet: wait until the model panel says it is ready, then press Train again.';
  if (!engine) return `WebGPU is not available, so heads cannot train: ${s.deviceLost ?? s.engineError ?? 'the GPU engine has not started'}.`;
  if (ds.train.labels.length < 2) return `The dataset has only one label ("${ds.train.labels[0]}"): a classifier needs at least two.`;
  const errs = formErrors(s.trainForm);
  if (errs.length) return errs.join(' ');
  const labelTexts = s.labelTexts.length === ds.train.labels.length ? s.labelTexts.slice() : ds.train.labels.slice();
  return { ds, info, engine, form: s.trainForm, kind: s.headKind, labelTexts };
}

/** Encode dev, train and the label texts (through the feature cache); null when cancelled or failed (said). */
async function encodeForRun(ds: CurrentDataset, form: TrainForm, labelTexts: string[]): Promise<{ dev: EncodedSet; train: EncodedSet; labelFeatures: EncodedExample[]; seconds: number } | null> {
  const signal = beginEncode();
  // The previous run's tiles, charts and results leave the screen now (the run stays in the history).
  set({ trainStatus: 'encoding', trainError: null, trainMessage: null, encodeStage: null, encodeSummary: null, zeroShotBusy: false, run: null, results: null });
  const t0 = performance.now();
  try {
    const dev = await encodeSet('dev', ds.dev, form, signal);
    const train = await encodeSet('train', ds.train, form, signal);
    const labelFeatures = await encodeLabelTexts(labelTexts, form, signal);
    const fresh = [dev, train].filter((x) => x.seconds > 0);
    set({
      encodeStage: null,
      encodeSummary: { texts: dev.examples.length + train.examples.length, cached: dev.cached + train.cached, seconds: fresh.reduce((a, x) => a + x.seconds, 0) },
    });
    return { dev, train, labelFeatures, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    if (isAbort(err)) set({ trainStatus: 'idle', encodeStage: null, trainMessage: 'Encoding was cancelled. What was encoded so far is in the feature cache and will not be encoded again.' });
    else fail(`Encoding failed: ${message(err)}`);
    return null;
  } finally {
    endEncode();
  }
}

/** Fit with live charts: the record grows, the store gets a copy every 250 ms, the best checkpoint is copied to the CPU. */
async function fitLive(engine: GpuEngine, head: Head, trainer: Trainer, record: RunRecord, train: EncodedSet, dev: EncodedSet) {
  const ctrl = beginRun();
  const tTrain = performance.now();
  let publishTimer: ReturnType<typeof setTimeout> | null = null;
  const publish = () => {
    if (publishTimer) return;
    publishTimer = setTimeout(() => {
      publishTimer = null;
      if (get().run?.id === record.id) set({ run: { ...record, steps: record.steps.slice(), evals: record.evals.slice(), timings: { ...record.timings, train: (performance.now() - tTrain) / 1000 } } });
    }, 250);
  };
  // Held in an object: closures update these, which TypeScript's narrowing of a plain `let` would not see.
  const live: { lost: string | null; bestRec: EvalRecord | null; best: BestCheckpoint | null } = { lost: null, bestRec: null, best: null };
  void engine.gpu.lost.then((li) => {
    if (!isCurrentRun(ctrl)) return;
    live.lost = `The GPU device was lost during training (${li.reason}${li.message ? `: ${li.message}` : ''}).`;
    ctrl.abort();
    resumeTraining();
  });
  let result: TrainResult | null = null;
  let thrown: unknown = null;
  try {
    if (head.params.length === 0) {
      // Zero-shot: nothing to train; its one evaluation is the run.
      const r = await trainer.evaluate(dev.examples);
      const rec: EvalRecord = { step: 0, epoch: 0, loss: r.loss, metrics: r.metrics };
      record.evals.push(rec);
      result = { stoppedBy: 'epochs', message: 'The zero-shot head has nothing to train: evaluated as is.', steps: 0, best: rec, train: [], dev: [rec], seconds: 0 };
    } else {
      result = await trainer.fit(train.examples, dev.examples, {
        signal: ctrl.signal,
        pauseGate: makePauseGate(),
        onStep: (r: StepRecord) => {
          record.steps.push(r);
          publish();
        },
        onEval: (r: EvalRecord) => {
          record.evals.push(r);
          if (better(r, live.bestRec)) {
            live.bestRec = r;
            // Recorded now, before the next step: the read sees exactly this checkpoint.
            Promise.all(head.params.map((p) => p.value.read())).then(
              (values) => (live.best = { rec: r, values }),
              () => undefined,
            );
          }
          publish();
        },
      });
    }
  } catch (err) {
    thrown = err;
  }
  if (publishTimer) clearTimeout(publishTimer);
  if (!live.lost && thrown) {
    // A lost device often shows first as a failed readback: give its `lost` promise a moment to say so.
    await Promise.race([engine.gpu.lost, new Promise((r) => setTimeout(r, 300))]);
  }
  endRun();
  record.timings.train = (performance.now() - tTrain) / 1000;
  return { result, thrown, lost: live.lost, best: live.best };
}

/** Encode (train, dev, label texts), build the chosen head and train it; see the file header. */
export async function startTraining(): Promise<void> {
  const status = get().trainStatus;
  if (status === 'encoding' || status === 'training' || status === 'paused') return;
  const pre = prerequisites();
  if (typeof pre === 'string') return fail(pre);
  const { ds, info, engine, form, kind, labelTexts } = pre;
  cancelZeroShotPreview();
  const enc = await encodeForRun(ds, form, labelTexts);
  if (!enc) return;
  const { dev, train, labelFeatures } = enc;
  // The zero-shot score of these label texts, shown before training starts (a baseline for the charts).
  try {
    set({ zeroShot: { labelTexts, ...(await evaluateZeroShot(engine, info.hiddenSize, labelFeatures, dev.examples)) }, zeroShotError: null });
  } catch (err) {
    set({ zeroShotError: `Zero-shot check failed: ${message(err)}` });
  }

  // The head, as the CLI builds it: pairs go side by side only when the encoder has no pair input of its own.
  const pair = ds.pair && !info.hasPairInput;
  const options = trainOptions(form, kind, train.examples.length, encoderTmax(form));
  const ctx: HeadContext = { C: info.hiddenSize, labels: ds.train.labels.length, pair, labelFeatures, seed: form.seed };
  let head: Head;
  let trainer: Trainer;
  try {
    head = buildHead(engine, kind, ctx);
    trainer = new Trainer(engine, head, options);
  } catch (err) {
    return fail(`Could not build the ${kind} head: ${message(err)}`);
  }
  const record: RunRecord = {
    version: RUN_RECORD_VERSION,
    id: newRunId(),
    createdAt: new Date().toISOString(),
    dataset: { name: ds.name, train: train.examples.length, dev: dev.examples.length, pair: ds.pair },
    encoder: { name: info.name, hash: info.hash },
    head: kind,
    labels: ds.train.labels.slice(),
    labelTexts,
    options,
    steps: [],
    evals: [],
    best: null,
    stoppedBy: 'running',
    message: '',
    timings: { encode: enc.seconds, train: 0 },
  };
  set({ trainStatus: 'training', run: { ...record }, results: null });
  const { result, thrown, lost, best } = await fitLive(engine, head, trainer, record, train, dev);

  if (lost) {
    await finishDeviceLost(record, lost, best, { kind, ctx, form, info, labelTexts, ds });
    trainer.dispose();
    return;
  }
  if (thrown || !result) {
    trainer.dispose();
    head.dispose();
    record.stoppedBy = 'aborted';
    record.message = `Training failed: ${message(thrown)}`;
    set({ trainStatus: 'error', trainError: record.message, run: { ...record } });
    return;
  }
  // The head holds the best checkpoint (the trainer restored it); read its dev predictions once.
  try {
    const final = await trainer.evaluate(dev.examples);
    // A diverged run with no finite checkpoint never becomes the active head: the head in use stays (issue 12).
    const bad = !Number.isFinite(final.loss) ? `gives a non-finite dev loss (${final.loss})` : await firstNonFinite(head).then((p) => (p ? `holds ${p}` : null));
    if (bad) {
      head.dispose();
      record.stoppedBy = 'diverged';
      record.message = `${result.message} The trained head ${bad}, so it was not made the active head; the head in use stays. Lower the learning rate and train again.`;
      set({ trainStatus: 'error', trainError: record.message, run: { ...record } });
      await keepRun(record); // the failed run is kept in the history with its reason
      return;
    }
    let msg = result.message;
    if (!result.best && head.params.length) msg = `Stopped before the first dev evaluation: the head as it was at step ${result.steps} is kept (dev accuracy ${(final.metrics.accuracy * 100).toFixed(1)}%).`;
    record.stoppedBy = result.stoppedBy;
    record.message = msg;
    record.best = result.best?.metrics ?? final.metrics;
    const meta = headMeta({
      labels: record.labels,
      labelTexts,
      encoder: info,
      tmax: options.tmax,
      pairData: ds.pair,
      training: { data: ds.name, head: kind, epochs: form.epochs, batch: form.batchSize, lr: form.lr, seed: form.seed, bestEpoch: result.best ? result.best.epoch + 1 : null, run: record.id },
      metrics: { accuracy: final.metrics.accuracy, macroF1: final.metrics.macroF1, loss: final.loss },
    });
    setActiveHead(head, { id: record.id, kind, source: 'trained', meta, pair, tmax: options.tmax });
    set({
      trainStatus: 'done',
      trainMessage: msg,
      run: { ...record },
      results: {
        runId: record.id,
        labels: record.labels,
        metrics: final.metrics,
        logits: Array.from(final.logits),
        targets: dev.examples.map((x) => x.label),
        texts: dev.ds.examples.map((x) => x.text),
        textPairs: dev.ds.examples.map((x) => x.textPair ?? null),
      },
    });
  } catch (err) {
    head.dispose();
    record.stoppedBy = 'aborted';
    record.message = `Training ended but its dev evaluation failed: ${message(err)}`;
    set({ trainStatus: 'error', trainError: record.message, run: { ...record } });
  } finally {
    trainer.dispose();
  }
  await keepRun(record);
}
