// Train workflows: encode the data slice's dataset and the label texts through the encoder worker, show the
// zero-shot accuracy the label texts give on dev, build the chosen head, train it with live charts, pause /
// resume / stop, and when a run ends make its best checkpoint the studio's active head, keep its dev predictions
// for the results panel and save the run to the history. Mirrors what src/cli/main.ts does for `labeltune train`.
// Design decision: training runs on the page's main thread with the page's GpuEngine (getEngine()). GPU work is
// asynchronous, a step only records and submits one command buffer, and the trainer's pause gate yields to the
// event loop at least every ~30 ms, so the page stays responsive; the playground, export and the zero-shot
// preview then share one device and one head object with the run, with no copies across a worker boundary.
// Encoded features are large (tokens (t, C) per text), so they live in this module, never in the store.
import { buildHead, headTrainDefaults, HEAD_KINDS, type HeadKind } from '../heads/registry';
import type { Dataset } from '../data';
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import type { HeadMeta } from '../heads/serialize';
import type { TrainExample } from '../train/batches';
import { sampleDataset } from '../train/subset';
import { DEFAULT_TRAIN_OPTIONS, Trainer, type EvalRecord, type StepRecord, type TrainOptions, type TrainResult } from '../train/trainer';
import type { EncodeProgress } from '../encoder/types';
import { setActiveHead } from './active-head';
import { getEncoderClient } from './encoder-workflows';
import { saveRun } from './history-db';
import { RUN_RECORD_VERSION, type RunRecord } from './run-record';
import { useStudio } from './store';
import { DEFAULT_TRAIN_FORM, type TrainForm, type TrainSlice } from './train-slice';
import { getEngine, startEngine } from './workflows';

/** The dataset the data slice publishes (see /work/notes/ui-contract.md). */
export interface StudioDataset {
  name: string;
  train: Dataset;
  dev: Dataset;
  devSource: 'split' | 'file';
  pair: boolean;
}

/** The data slice's dataset, or null before one is loaded. */
export function currentDataset(): StudioDataset | null {
  return (useStudio.getState() as { dataset?: StudioDataset | null }).dataset ?? null;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';
const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);
const get = () => useStudio.getState();

// ---- settings ------------------------------------------------------------------------------------------------

/** Choose the head; its default learning rate replaces the form's. */
export function setHeadKind(kind: HeadKind): void {
  if (!HEAD_KINDS.includes(kind)) throw new Error(`unknown head "${kind}"`);
  set({ headKind: kind, trainForm: { ...get().trainForm, lr: headTrainDefaults(kind).lr } });
}

export function setTrainForm(patch: Partial<TrainForm>): void {
  set({ trainForm: { ...get().trainForm, ...patch } });
}

/** Back to the defaults of the chosen head. */
export function resetTrainForm(): void {
  set({ trainForm: { ...DEFAULT_TRAIN_FORM, lr: headTrainDefaults(get().headKind).lr, maxTrain: get().trainForm.maxTrain, maxDev: get().trainForm.maxDev } });
}

/** The form's problems, one sentence each (empty when it can train). */
export function formErrors(f: TrainForm): string[] {
  const errs: string[] = [];
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) errs.push(`${name} must be a whole number of at least ${min} (got ${v}).`);
  };
  int('Epochs', f.epochs, 1);
  int('Batch size', f.batchSize, 1);
  int('Patience', f.patience, 0);
  int('Seed', f.seed, 0);
  int('Tmax', f.tmax, 1);
  int('Train sample', f.maxTrain, 0);
  int('Dev sample', f.maxDev, 0);
  if (!(f.lr > 0 && f.lr < 10)) errs.push(`Learning rate must be a positive number below 10 (got ${f.lr}); try 1e-3.`);
  if (!(f.weightDecay >= 0 && f.weightDecay < 1)) errs.push(`Weight decay must be in [0, 1) (got ${f.weightDecay}).`);
  if (!(f.warmupFraction >= 0 && f.warmupFraction < 1)) errs.push(`Warmup must be a fraction in [0, 1) of all steps (got ${f.warmupFraction}).`);
  if (!(f.labelSmoothing >= 0 && f.labelSmoothing < 1)) errs.push(`Label smoothing must be in [0, 1) (got ${f.labelSmoothing}).`);
  return errs;
}

// ---- label texts and the zero-shot preview ------------------------------------------------------------------

let zeroShotTimer: ReturnType<typeof setTimeout> | null = null;
let zeroShotSeq = 0;

/** Edit one label's text; the zero-shot accuracy is recomputed after a pause in typing. */
export function setLabelText(i: number, text: string): void {
  const texts = get().labelTexts.slice();
  texts[i] = text;
  set({ labelTexts: texts });
  scheduleZeroShot(400);
}

/** Label texts back to the label names. */
export function resetLabelTexts(): void {
  set({ labelTexts: get().labelTextsFor.slice() });
  scheduleZeroShot(0);
}

function scheduleZeroShot(ms: number): void {
  if (zeroShotTimer) clearTimeout(zeroShotTimer);
  zeroShotTimer = setTimeout(() => {
    zeroShotTimer = null;
    void computeZeroShot();
  }, ms);
}

// ---- encoding ------------------------------------------------------------------------------------------------

interface EncodedSet {
  key: string;
  /** The (possibly sampled) dataset whose examples these are, in order. */
  ds: Dataset;
  examples: TrainExample[];
  cached: number;
  seconds: number;
}

/** Identity of Dataset objects (the data slice publishes new objects for new data). */
const datasetIds = new WeakMap<Dataset, number>();
let nextDatasetId = 1;
const idOf = (ds: Dataset) => {
  let id = datasetIds.get(ds);
  if (id === undefined) datasetIds.set(ds, (id = nextDatasetId++));
  return id;
};

const encodedSets: { dev: EncodedSet | null; train: EncodedSet | null } = { dev: null, train: null };
const labelFeatureCache = new Map<string, EncodedExample>();
let encodeCtrl: AbortController | null = null;
const inflight = new Map<string, Promise<EncodedSet>>();
/** One encode at a time through this module (the worker serialises runs anyway). */
let encodeChain: Promise<unknown> = Promise.resolve();

function encoderTmax(form: TrainForm): number {
  const max = getEncoderClient()?.info?.maxTokens ?? form.tmax;
  return Math.max(1, Math.min(form.tmax, max));
}

function setKey(which: 'dev' | 'train', ds: Dataset, form: TrainForm): string {
  const info = getEncoderClient()?.info;
  return `${which}:${idOf(ds)}:${which === 'dev' ? form.maxDev : form.maxTrain}:${encoderTmax(form)}:${info?.hash ?? '-'}`;
}

/** Encode one set (dev or train) unless the same set was encoded last time; publishes progress. */
async function encodeSet(which: 'dev' | 'train', full: Dataset, form: TrainForm, signal: AbortSignal): Promise<EncodedSet> {
  const key = setKey(which, full, form);
  const have = encodedSets[which];
  if (have?.key === key) return have;
  // The same set already on its way (e.g. the zero-shot preview's dev encode when Train is pressed): wait for it.
  const pending = inflight.get(key);
  if (pending) return abortable(pending, signal);
  const p = doEncodeSet(which, full, form, signal, key);
  inflight.set(key, p);
  try {
    return await p;
  } finally {
    inflight.delete(key);
  }
}

/** `p`, or an AbortError as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DOMException('Encoding was cancelled', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function doEncodeSet(which: 'dev' | 'train', full: Dataset, form: TrainForm, signal: AbortSignal, key: string): Promise<EncodedSet> {
  const client = getEncoderClient();
  if (!client?.info) throw new Error('The encoder is not loaded yet: wait until the model panel says it is ready, then try again.');
  const ds = sampleDataset(full, which === 'dev' ? form.maxDev : form.maxTrain, 0);
  const t0 = performance.now();
  let cached = 0;
  // The bar shows at once (the encoder reports after its first batch, which can take a while on a CPU).
  set({ encodeStage: { set: which, progress: { done: 0, total: ds.examples.length, textsPerSecond: Number.NaN, etaSeconds: Number.NaN, cached: 0 } } });
  const run = encodeChain.then(() =>
    client.encode(
      ds.examples.map((x) => (x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair })),
      {
        tmax: encoderTmax(form),
        signal,
        onProgress: (p: EncodeProgress) => {
          cached = p.cached;
          set({ encodeStage: { set: which, progress: p } });
        },
      },
    ),
  );
  encodeChain = run.catch(() => undefined);
  const features = await run;
  useStudio.getState().setEncoder({ cacheStats: client.cacheStats });
  const out: EncodedSet = {
    key,
    ds,
    examples: ds.examples.map((x, i) => ({ features: features[i], label: x.label })),
    cached,
    seconds: (performance.now() - t0) / 1000,
  };
  encodedSets[which] = out;
  return out;
}

/** The label texts' features (pooled seeds + token states), each text encoded once per model and Tmax. */
async function encodeLabelTexts(texts: readonly string[], form: TrainForm, signal?: AbortSignal): Promise<EncodedExample[]> {
  const client = getEncoderClient();
  if (!client?.info) throw new Error('The encoder is not loaded yet: wait until the model panel says it is ready, then try again.');
  const empty = texts.findIndex((t) => !t.trim());
  if (empty >= 0) throw new Error(`The label text of "${get().labelTextsFor[empty] ?? empty}" is empty: write a few words that describe the label (or its name).`);
  const tmax = encoderTmax(form);
  const k = (t: string) => `${client.info!.hash}:${tmax}:${t}`;
  const missing = [...new Set(texts.filter((t) => !labelFeatureCache.has(k(t))))];
  if (missing.length) {
    const run = encodeChain.then(() => client.encode(missing.map((text) => ({ text })), { tmax, signal }));
    encodeChain = run.catch(() => undefined);
    const feats = await run;
    missing.forEach((t, i) => labelFeatureCache.set(k(t), feats[i]));
  }
  return texts.map((t) => labelFeatureCache.get(k(t))!);
}

/**
 * Called when the dataset, the encoder or the engine changes: reset the label texts for new labels, and refresh
 * the zero-shot preview when the dev set is already encoded. Design decision: the dev set is NOT encoded just
 * because a page opened (on a CPU that is minutes of work nobody asked for); the user asks for the preview
 * ("Check zero-shot"), or presses Train, which encodes dev first and shows the zero-shot score before training.
 */
export function onDatasetChanged(): void {
  const ds = currentDataset();
  const s = get();
  if (!ds) return;
  const labels = ds.train.labels;
  if (labels.join('\u0000') !== s.labelTextsFor.join('\u0000')) {
    set({ labelTexts: labels.slice(), labelTextsFor: labels.slice(), zeroShot: null, zeroShotError: null });
  }
  if (s.trainStatus === 'encoding' || s.trainStatus === 'training' || s.trainStatus === 'paused') return;
  if (devIsEncoded()) scheduleZeroShot(0);
}

/** True when the current dev set (with the form's sample and Tmax) is encoded and in memory. */
export function devIsEncoded(): boolean {
  const ds = currentDataset();
  return !!ds && encodedSets.dev?.key === setKey('dev', ds.dev, get().trainForm);
}

/** Encode the dev set if needed and show the zero-shot accuracy of the current label texts on it. */
export function checkZeroShot(): Promise<void> {
  if (zeroShotTimer) clearTimeout(zeroShotTimer);
  return computeZeroShot(true);
}

/**
 * Evaluate the zero-shot head (label-text seeds, cosine) on dev. Encodes dev only when `encode` is set (an
 * explicit request); label-text edits recompute it only once dev is encoded. Latest call wins.
 */
async function computeZeroShot(encode = false): Promise<void> {
  const seq = ++zeroShotSeq;
  const ds = currentDataset();
  const engine = getEngine();
  const client = getEncoderClient();
  const s = get();
  if (!ds || !engine || !client?.info || s.labelTexts.length !== ds.train.labels.length) return;
  if (s.trainStatus === 'encoding') return;
  if (!encode && !devIsEncoded()) return;
  set({ zeroShotBusy: true, zeroShotError: null });
  const texts = s.labelTexts.slice();
  try {
    const ctrl = new AbortController();
    const dev = await encodeSet('dev', ds.dev, s.trainForm, ctrl.signal);
    if (seq === zeroShotSeq && get().trainStatus !== 'encoding') set({ encodeStage: null });
    const feats = await encodeLabelTexts(texts, s.trainForm);
    if (seq !== zeroShotSeq) return;
    const zs = await evaluateZeroShot(engine, client.info.hiddenSize, feats, dev.examples);
    if (seq !== zeroShotSeq) return;
    set({ zeroShot: { labelTexts: texts, ...zs }, zeroShotBusy: false });
  } catch (err) {
    if (seq === zeroShotSeq) set({ zeroShotBusy: false, zeroShotError: isAbort(err) ? null : message(err) });
  } finally {
    if (seq === zeroShotSeq) set({ zeroShotBusy: false });
  }
}

/** Accuracy and macro-F1 on dev of the zero-shot head built from label features. */
async function evaluateZeroShot(engine: GpuEngine, C: number, labelFeatures: EncodedExample[], dev: readonly TrainExample[]) {
  const head = buildHead(engine, 'zeroshot', { C, labels: labelFeatures.length, pair: false, labelFeatures, seed: 0 });
  // The zero-shot head reads only pooled vectors: one token row per example keeps the upload small.
  const trainer = new Trainer(engine, head, { batchSize: 256, tmax: 1 });
  try {
    const r = await trainer.evaluate(dev);
    return { accuracy: r.metrics.accuracy, macroF1: r.metrics.macroF1, dev: dev.length };
  } finally {
    trainer.dispose();
    head.dispose();
  }
}

// ---- training ------------------------------------------------------------------------------------------------

let runCtrl: AbortController | null = null;
const pause: { paused: boolean; resume: (() => void) | null; wait: Promise<void> | null } = { paused: false, resume: null, wait: null };

/** Yield to the event loop (a macrotask: rendering and input run), faster than setTimeout's clamp. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(0);
  });
}

export function pauseTraining(): void {
  if (get().trainStatus !== 'training' || pause.paused) return;
  pause.paused = true;
  pause.wait = new Promise((r) => (pause.resume = r));
  set({ trainStatus: 'paused' });
}

export function resumeTraining(): void {
  if (!pause.paused) return;
  pause.paused = false;
  pause.resume?.();
  pause.resume = null;
  pause.wait = null;
  if (get().trainStatus === 'paused') set({ trainStatus: 'training' });
}

/** Stop encoding or training; a stopped run keeps its best checkpoint. */
export function stopTraining(): void {
  encodeCtrl?.abort();
  runCtrl?.abort();
  resumeTraining();
}

/** Dev score used for model selection, as the trainer does: accuracy, then lower loss. */
function better(a: EvalRecord, b: EvalRecord | null): boolean {
  if (!Number.isFinite(a.loss)) return false;
  if (!b) return true;
  if (a.metrics.accuracy !== b.metrics.accuracy) return a.metrics.accuracy > b.metrics.accuracy;
  return a.loss < b.loss;
}

function trainOptions(form: TrainForm, kind: HeadKind, trainSize: number): TrainOptions {
  const stepsPerEpoch = Math.ceil(trainSize / form.batchSize);
  const totalSteps = stepsPerEpoch * form.epochs;
  return {
    ...DEFAULT_TRAIN_OPTIONS,
    epochs: form.epochs,
    batchSize: form.batchSize,
    lr: form.lr,
    weightDecay: form.weightDecay,
    warmupFraction: form.warmupFraction,
    decay: form.decay,
    labelSmoothing: form.labelSmoothing,
    patience: form.patience,
    seed: form.seed,
    tmax: encoderTmax(form),
    objective: headTrainDefaults(kind).objective,
    // About 200 loss readbacks per run (each is a small GPU sync), at least one per 10 steps.
    readEvery: Math.max(1, Math.min(10, Math.round(totalSteps / 200))),
    // A dev point mid-epoch too when epochs are long, so the dev curve moves while training.
    evalEverySteps: stepsPerEpoch >= 40 ? Math.ceil(stepsPerEpoch / 2) : 0,
  };
}

const newRunId = () => `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

/** Encode (train, dev, label texts), build the chosen head and train it; see the file header. */
export async function startTraining(): Promise<void> {
  const s = get();
  if (s.trainStatus === 'encoding' || s.trainStatus === 'training' || s.trainStatus === 'paused') return;
  const ds = currentDataset();
  const client = getEncoderClient();
  const engine = getEngine();
  const fail = (msg: string) => set({ trainStatus: 'error', trainError: msg, trainMessage: null });
  if (!ds) return fail('No dataset yet: drop a file in the Data panel (or wait for the demo dataset to load).');
  if (!client?.info) return fail('The encoder is not loaded yet: wait until the model panel says it is ready, then press Train again.');
  if (!engine) return fail(`WebGPU is not available, so heads cannot train: ${s.deviceLost ?? s.engineError ?? 'the GPU engine has not started'}.`);
  if (ds.train.labels.length < 2) return fail(`The dataset has only one label ("${ds.train.labels[0]}"): a classifier needs at least two.`);
  const errs = formErrors(s.trainForm);
  if (errs.length) return fail(errs.join(' '));
  const form = s.trainForm;
  const kind = s.headKind;
  const labelTexts = s.labelTexts.length === ds.train.labels.length ? s.labelTexts.slice() : ds.train.labels.slice();
  const info = client.info;

  if (zeroShotTimer) clearTimeout(zeroShotTimer);
  zeroShotSeq++;
  encodeCtrl = new AbortController();
  set({ trainStatus: 'encoding', trainError: null, trainMessage: null, encodeStage: null, encodeSummary: null, zeroShotBusy: false });
  let dev: EncodedSet;
  let train: EncodedSet;
  let labelFeatures: EncodedExample[];
  const t0 = performance.now();
  try {
    dev = await encodeSet('dev', ds.dev, form, encodeCtrl.signal);
    train = await encodeSet('train', ds.train, form, encodeCtrl.signal);
    labelFeatures = await encodeLabelTexts(labelTexts, form, encodeCtrl.signal);
  } catch (err) {
    encodeCtrl = null;
    if (isAbort(err)) set({ trainStatus: 'idle', encodeStage: null, trainMessage: 'Encoding was cancelled. What was encoded so far is in the feature cache and will not be encoded again.' });
    else fail(`Encoding failed: ${message(err)}`);
    return;
  }
  encodeCtrl = null;
  const fresh = [dev, train].filter((x) => x.seconds > 0);
  set({
    encodeStage: null,
    encodeSummary: { texts: dev.examples.length + train.examples.length, cached: dev.cached + train.cached, seconds: fresh.reduce((a, x) => a + x.seconds, 0) },
  });
  const encodeSeconds = (performance.now() - t0) / 1000;
  // The zero-shot score of these label texts, shown before training starts (a baseline for the charts).
  try {
    set({ zeroShot: { labelTexts, ...(await evaluateZeroShot(engine, info.hiddenSize, labelFeatures, dev.examples)) }, zeroShotError: null });
  } catch (err) {
    set({ zeroShotError: `Zero-shot check failed: ${message(err)}` });
  }

  // The head, as the CLI builds it: pairs go side by side only when the encoder has no pair input of its own.
  const pair = ds.pair && !info.hasPairInput;
  let head: Head;
  let trainer: Trainer;
  const options = trainOptions(form, kind, train.examples.length);
  const ctx = { C: info.hiddenSize, labels: ds.train.labels.length, pair, labelFeatures, seed: form.seed };
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
    timings: { encode: encodeSeconds, train: 0 },
  };
  runCtrl = new AbortController();
  const ctrl = runCtrl;
  pause.paused = false;
  set({ trainStatus: 'training', run: { ...record }, results: null });

  // Live publishing, throttled: the store (and the charts) get a fresh copy at most every 250 ms.
  const tTrain = performance.now();
  let publishTimer: ReturnType<typeof setTimeout> | null = null;
  const publish = () => {
    if (publishTimer) return;
    publishTimer = setTimeout(() => {
      publishTimer = null;
      if (get().run?.id === record.id) set({ run: { ...record, steps: record.steps.slice(), evals: record.evals.slice(), timings: { ...record.timings, train: (performance.now() - tTrain) / 1000 } } });
    }, 250);
  };

  // A lost device stops the run; the best checkpoint survives as a CPU copy taken at each new best evaluation.
  // Held in an object: closures update these, which TypeScript's narrowing of a plain `let` would not see.
  const live: { lost: string | null; bestRec: EvalRecord | null; bestParams: { rec: EvalRecord; values: Float32Array[] } | null } = {
    lost: null,
    bestRec: null,
    bestParams: null,
  };
  void engine.gpu.lost.then((li) => {
    if (runCtrl !== ctrl) return;
    live.lost = `The GPU device was lost during training (${li.reason}${li.message ? `: ${li.message}` : ''}).`;
    ctrl.abort();
    resumeTraining();
  });

  let lastYield = performance.now();
  const pauseGate = async () => {
    if (performance.now() - lastYield > 30) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    while (pause.paused && pause.wait) await pause.wait;
  };

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
        pauseGate,
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
              (values) => (live.bestParams = { rec: r, values }),
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
  runCtrl = null;
  pause.paused = false;
  record.timings.train = (performance.now() - tTrain) / 1000;

  if (live.lost) {
    await finishDeviceLost(record, live.lost, live.bestParams, { kind, ctx, form, info, pair, labelTexts, ds, devSet: dev });
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
    let msg = result.message;
    if (!result.best && head.params.length) msg = `Stopped before the first dev evaluation: the head as it was at step ${result.steps} is kept (dev accuracy ${(final.metrics.accuracy * 100).toFixed(1)}%).`;
    record.stoppedBy = result.stoppedBy;
    record.message = msg;
    record.best = result.best?.metrics ?? final.metrics;
    const meta: HeadMeta = {
      labels: record.labels,
      labelTexts,
      encoder: { name: info.name, hash: info.hash },
      tokenizer: { tmax: options.tmax, pair: pair ? 'side-by-side' : info.hasPairInput && ds.pair ? 'pair-input' : 'none' },
      training: { data: ds.name, head: kind, epochs: form.epochs, batch: form.batchSize, lr: form.lr, seed: form.seed, best_epoch: result.best ? result.best.epoch + 1 : null, run: record.id },
      metrics: { accuracy: final.metrics.accuracy, macroF1: final.metrics.macroF1, loss: final.loss },
    };
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
  await save(record);
}

async function save(record: RunRecord): Promise<void> {
  try {
    await saveRun(record);
  } catch (err) {
    set({ trainError: `The run finished but could not be saved to the history: ${message(err)}` });
  }
}

interface RebuildRecipe {
  kind: HeadKind;
  ctx: Parameters<typeof buildHead>[2];
  form: TrainForm;
  info: NonNullable<ReturnType<typeof getEncoderClient>>['info'];
  pair: boolean;
  labelTexts: string[];
  ds: StudioDataset;
  devSet: EncodedSet;
}

/**
 * The device was lost mid-run: record the run as stopped by 'device-lost' (history and charts stay), then get a
 * new device and rebuild the head from the CPU copy of its best checkpoint, so the studio keeps a usable head.
 */
async function finishDeviceLost(record: RunRecord, lostMsg: string, best: { rec: EvalRecord; values: Float32Array[] } | null, r: RebuildRecipe): Promise<void> {
  record.stoppedBy = 'device-lost';
  record.best = best?.rec.metrics ?? null;
  const kept = best
    ? `Its history and best checkpoint (epoch ${best.rec.epoch + 1}, dev accuracy ${(best.rec.metrics.accuracy * 100).toFixed(1)}%) are kept`
    : 'Its history is kept (no checkpoint had been evaluated yet)';
  record.message = `${lostMsg} The run stopped at step ${record.steps.at(-1)?.step ?? 0}. ${kept}.`;
  set({ trainStatus: 'error', trainError: record.message, trainMessage: null, run: { ...record } });
  await save(record);
  if (!best || !r.info) return;
  // A new device (the engine re-acquires after a loss), then the best parameters uploaded into a fresh head.
  await startEngine();
  const e: GpuEngine | null = getEngine();
  if (!e) return;
  try {
    const head = buildHead(e, r.kind, r.ctx);
    if (head.params.length !== best.values.length) throw new Error('parameter count changed');
    head.params.forEach((p, i) => p.value.write(best.values[i]));
    await e.sync();
    const options = record.options;
    const meta: HeadMeta = {
      labels: record.labels,
      labelTexts: r.labelTexts,
      encoder: { name: r.info.name, hash: r.info.hash },
      tokenizer: { tmax: options.tmax, pair: r.pair ? 'side-by-side' : r.info.hasPairInput && r.ds.pair ? 'pair-input' : 'none' },
      training: { data: r.ds.name, head: r.kind, epochs: r.form.epochs, batch: r.form.batchSize, lr: r.form.lr, seed: r.form.seed, best_epoch: best.rec.epoch + 1, run: record.id, stoppedBy: 'device-lost' },
      metrics: { accuracy: best.rec.metrics.accuracy, macroF1: best.rec.metrics.macroF1, loss: best.rec.loss },
    };
    setActiveHead(head, { id: record.id, kind: r.kind, source: 'trained', meta, pair: r.pair, tmax: options.tmax });
    set({ trainError: `${record.message} The best checkpoint was restored on a new GPU device and is the active head.` });
  } catch (err) {
    set({ trainError: `${record.message} Restoring it on a new GPU device failed: ${message(err)}` });
  }
}
