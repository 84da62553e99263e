// One training run of the studio: check what it needs, encode (dev, train, label texts: ./encoded-sets.ts), show
// the zero-shot score of the label texts, then train the chosen head in the trainer Web Worker (on the worker's
// own GPU device: src/worker/train-client.ts) with live charts, make its best checkpoint the active head on the
// page's engine (./page-head.ts), keep its dev predictions for Results and save the run to the history. The same
// steps as the CLI's `labeltune train` (src/cli/train-cmd.ts). Kinds that run the encoder in WGSL on token ids
// (full fine-tuning, the L-Tuning kinds) skip the feature encode: their sets are tokenised (./token-sets.ts), the
// model's graph goes to the worker in the HeadContext, and the worker always measures steps first (the estimate).
// Design decision: the run's RunRecord is built up here from the worker's step and eval messages and
// republished to the store at most every 250 ms (a copy), so the charts follow the run without a store update
// per message; the main thread does no training work, so the page stays responsive during a run.
import type { EncodedExample, EncoderInfo } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import { headMeta } from '../heads/head-meta';
import { headEntry, type HeadContext, type HeadKind } from '../heads/registry';
import type { TrainJobOutcome, TrainJobSpec } from '../train/train-job';
import { setActiveHead } from './active-head';
import type { CurrentDataset } from './data-prep';
import { finishDeviceLost } from './device-loss';
import { currentDataset, encodeLabelTexts, encodeSet, encoderTmax, type EncodedSet } from './encoded-sets';
import { getEncoderClient } from './encoder-workflows';
import { headOnPage } from './page-head';
import { beginEncode, beginRun, endEncode, endRun, getTrainerClient } from './run-control';
import { RUN_RECORD_VERSION, type RunRecord } from './run-record';
import { keepRun, onRunCheckpoint, onRunFailed, onRunProgress, onRunStart } from './run-save';
import { devTargets } from '../train/head-outcome';
import { classWeightsError, runOutcome, taskOptions } from './run-task';
import { prepareTokenRun, type TokenRunInputs } from './token-sets';
import { useStudio } from './store';
import { formErrors, sampleForSeconds, trainOptions } from './train-form';
import type { TrainForm, TrainSlice } from './train-slice';
import { getEngine } from './workflows';
import { cancelZeroShotPreview, evaluateZeroShot } from './zero-shot-preview';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';
const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);
const get = () => useStudio.getState();
const fail = (msg: string) => set({ trainStatus: 'error', trainError: msg, trainMessage: null });
const newRunId = () => `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

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
  const cw = classWeightsError(s.trainForm.classWeights, ds.train.labels);
  if (cw) errs.push(cw);
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

/** What a run's ending needs besides the worker's outcome. */
interface RunContext {
  record: RunRecord;
  kind: HeadKind;
  ctx: HeadContext;
  form: TrainForm;
  info: EncoderInfo;
  labelTexts: string[];
  ds: CurrentDataset;
  dev: EncodedSet;
}

/**
 * Train in the worker with live charts: the record grows with every step and dev evaluation the worker reports,
 * the store gets a copy at most every 250 ms. Returns the worker's outcome (or the error of a run that never
 * started, as a failed outcome).
 */
async function trainInWorker(run: RunContext, job: TrainJobSpec): Promise<TrainJobOutcome> {
  const { record } = run;
  const tTrain = performance.now();
  let publishTimer: ReturnType<typeof setTimeout> | null = null;
  const publish = () => {
    if (publishTimer) return;
    publishTimer = setTimeout(() => {
      publishTimer = null;
      if (get().run?.id === record.id) set({ run: { ...record, steps: record.steps.slice(), evals: record.evals.slice(), timings: { ...record.timings, train: (performance.now() - tTrain) / 1000 } } });
    }, 250);
  };
  const handle = getTrainerClient().train(job, {
    // On a CPU adapter a run can take many minutes: the worker times real steps first; say what a one-minute run would be.
    onEstimate: (est) => {
      const proposal = est.totalSeconds > 90 ? sampleForSeconds(est.stepSeconds, run.form.batchSize, run.form.epochs, record.dataset.train, record.labels.length) : null;
      set({ runEstimate: { runId: record.id, stepSeconds: est.stepSeconds, totalSeconds: est.totalSeconds, proposal } });
    },
    onStep: (r) => {
      record.steps.push(r);
      publish();
      onRunProgress(record);
    },
    onEval: (r) => {
      record.evals.push(r);
      publish();
      onRunProgress(record);
    },
    // A new best checkpoint: kept in the history while the run goes on (a reload then keeps it).
    onCheckpoint: (best) => onRunCheckpoint(record, best),
  });
  beginRun(handle);
  let outcome: TrainJobOutcome;
  try {
    outcome = await handle.outcome;
  } catch (err) {
    outcome = { status: 'failed', stage: 'train', message: message(err) };
  } finally {
    if (publishTimer) clearTimeout(publishTimer);
    endRun();
  }
  record.timings.train = (performance.now() - tTrain) / 1000;
  return outcome;
}

/** A finished run: the kept head goes to the page's engine and becomes the active head; Results get its dev predictions. */
async function finishRun(run: RunContext, outcome: Extract<TrainJobOutcome, { status: 'finished' }>): Promise<void> {
  const { record, kind, ctx, form, info, labelTexts, ds, dev } = run;
  const { result, final, params, nonFinite } = outcome;
  // A diverged run with no finite checkpoint never becomes the active head: the head in use stays (issue 12).
  if (nonFinite) {
    record.stoppedBy = 'diverged';
    record.message = `${result.message} The trained head ${nonFinite}, so it was not made the active head; the head in use stays. Lower the learning rate and train again.`;
    set({ trainStatus: 'error', trainError: record.message, run: { ...record } });
    return;
  }
  let msg = result.message;
  if (!result.best && params.length) msg = `Stopped before the first dev evaluation: the head as it was at step ${result.steps} is kept (dev accuracy ${(final.metrics.accuracy * 100).toFixed(1)}%).`;
  record.stoppedBy = result.stoppedBy;
  record.message = msg;
  record.best = result.best?.metrics ?? final.metrics;
  const multi = !!ds.train.multiLabel;
  // Multi-label thresholds and the temperature fitted on dev: in the head's metadata, hence in every export.
  const task = runOutcome(final, dev.examples, record.labels.length, multi);
  const { head } = await headOnPage(kind, ctx, params);
  const meta = headMeta({
    labels: record.labels,
    labelTexts,
    // L-Tuning kinds run a pair as one joint sequence: for the file, that is the encoder's pair input (as the CLI).
    encoder: { ...info, hasPairInput: info.hasPairInput || headEntry(kind).pairs === 'joint' },
    tmax: record.options.tmax,
    pairData: ds.pair,
    training: { data: ds.name, head: kind, epochs: form.epochs, batch: form.batchSize, lr: form.lr, seed: form.seed, bestEpoch: result.best ? result.best.epoch + 1 : null, run: record.id },
    metrics: { accuracy: final.metrics.accuracy, macroF1: final.metrics.macroF1, loss: final.loss, ...task.extraMetrics },
    task: task.task,
    calibration: task.calibration,
  });
  setActiveHead(head, { id: record.id, kind, source: 'trained', meta, pair: ctx.pair, tmax: record.options.tmax });
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
      ...(multi ? { targetSets: devTargets(dev.examples, true) as number[][] } : {}),
      texts: dev.ds.examples.map((x) => x.text),
      textPairs: dev.ds.examples.map((x) => x.textPair ?? null),
    },
  });
}

/** Encode (train, dev, label texts), then train the chosen head in the trainer worker; see the file header. */
export async function startTraining(): Promise<void> {
  const status = get().trainStatus;
  if (status === 'encoding' || status === 'training' || status === 'paused') return;
  const pre = prerequisites();
  if (typeof pre === 'string') return fail(pre);
  const { ds, info, engine, form, kind, labelTexts } = pre;
  cancelZeroShotPreview();
  const tokenIds = headEntry(kind).input === 'token-ids';
  const enc = tokenIds ? await prepareTokenRun(ds, form, kind, info, labelTexts) : await encodeForRun(ds, form, labelTexts);
  if (!enc) return;
  const { dev, train, labelFeatures } = enc;
  // The zero-shot score of these label texts, shown before training starts (a baseline for the charts); token-id
  // kinds have no dev features to score.
  if (!tokenIds) {
    try {
      set({ zeroShot: { labelTexts, ...(await evaluateZeroShot(engine, info.hiddenSize, labelFeatures, dev.examples)) }, zeroShotError: null });
    } catch (err) {
      set({ zeroShotError: `Zero-shot check failed: ${message(err)}` });
    }
  }

  // The head, as the CLI builds it: pairs go side by side only when the encoder has no pair input of its own
  // (kinds with joint pairs run a pair as one sequence whatever the encoder).
  const pair = ds.pair && !info.hasPairInput && headEntry(kind).pairs !== 'joint';
  const options = { ...trainOptions(form, kind, train.examples.length, encoderTmax(form)), ...taskOptions(ds, form) };
  const ctx: HeadContext = { C: info.hiddenSize, labels: ds.train.labels.length, pair, labelFeatures, seed: form.seed };
  if (tokenIds) ctx.encoderSpec = (enc as TokenRunInputs).encoderSpec;
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
  set({ trainStatus: 'training', run: { ...record }, results: null, runEstimate: null });
  const run: RunContext = { record, kind, ctx, form, info, labelTexts, ds, dev };
  onRunStart(record, run); // saved now and every few seconds; leaving the page asks first
  const outcome = await trainInWorker(run, { kind, ctx, options, train: train.examples, dev: dev.examples, measure: tokenIds ? 'always' : 'cpu-adapter' });

  // The run has ended: every ending below is reported here, then kept in the history (keepRun).
  switch (outcome.status) {
    case 'lost':
      await finishDeviceLost(record, outcome.message, outcome.best, run);
      return;
    case 'failed':
      if (outcome.stage === 'build') {
        set({ run: null });
        fail(`Could not build the ${kind} head: ${outcome.message}`);
        return onRunFailed(record, `Could not build the ${kind} head: ${outcome.message}`);
      }
      record.message = outcome.stage === 'train' ? `Training failed: ${outcome.message}` : `Training ended but its dev evaluation failed: ${outcome.message}`;
      record.stoppedBy = 'failed';
      set({ trainStatus: 'error', trainError: record.message, run: { ...record } });
      return onRunFailed(record, record.message); // kept with its reason and its best checkpoint
    case 'finished':
      try {
        await finishRun(run, outcome);
      } catch (err) {
        record.stoppedBy = 'failed';
        record.message = `Training ended but its head could not be put on the page's GPU engine: ${message(err)}`;
        set({ trainStatus: 'error', trainError: record.message, run: { ...record } });
      }
      break;
  }
  await keepRun(record);
}
