// The encoded-set cache of the train step: the dev and train sets (sampled as the form says) and the label texts,
// encoded through the encoder worker and kept here between runs, so a second run, a zero-shot check or a head
// change does not encode again. Design decision: features are large (tokens (t, C) per text), so they live in this
// module, never in the store; a set is known by (dataset identity, sample size, Tmax, encoder hash), and one
// encode runs at a time (a second request for the same set waits for the first).
import type { Dataset } from '../data';
import type { EncodedExample, EncodeProgress } from '../encoder/types';
import type { TrainExample } from '../train/batches';
import { sampleDataset } from '../train/subset';
import { getEncoderClient } from './encoder-workflows';
import { useStudio } from './store';
import type { CurrentDataset } from './data-prep';
import type { TrainForm, TrainSlice } from './train-slice';

export interface EncodedSet {
  key: string;
  /** The (possibly sampled) dataset whose examples these are, in order. */
  ds: Dataset;
  examples: TrainExample[];
  cached: number;
  seconds: number;
}

const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);

/** Everything this module keeps, in one place. */
const state = {
  /** Identity of Dataset objects (the data slice publishes new objects for new data). */
  datasetIds: new WeakMap<Dataset, number>(),
  nextDatasetId: 1,
  sets: { dev: null as EncodedSet | null, train: null as EncodedSet | null },
  labelFeatures: new Map<string, EncodedExample>(),
  inflight: new Map<string, Promise<EncodedSet>>(),
  /** One encode at a time through this module (the worker serialises runs anyway). */
  chain: Promise.resolve() as Promise<unknown>,
};

const idOf = (ds: Dataset) => {
  let id = state.datasetIds.get(ds);
  if (id === undefined) state.datasetIds.set(ds, (id = state.nextDatasetId++));
  return id;
};

/** The data slice's dataset, or null before one is loaded. */
export function currentDataset(): CurrentDataset | null {
  return useStudio.getState().dataset;
}

/** Token rows per text: the form's Tmax clipped to the encoder's limit. */
export function encoderTmax(form: TrainForm): number {
  const max = getEncoderClient()?.info?.maxTokens ?? form.tmax;
  return Math.max(1, Math.min(form.tmax, max));
}

function setKey(which: 'dev' | 'train', ds: Dataset, form: TrainForm): string {
  const info = getEncoderClient()?.info;
  return `${which}:${idOf(ds)}:${which === 'dev' ? form.maxDev : form.maxTrain}:${encoderTmax(form)}:${info?.hash ?? '-'}`;
}

/** True when the current dev set (with the form's sample and Tmax) is encoded and in memory. */
export function devIsEncoded(): boolean {
  const ds = currentDataset();
  return !!ds && state.sets.dev?.key === setKey('dev', ds.dev, useStudio.getState().trainForm);
}

/** Encode one set (dev or train) unless the same set was encoded last time; publishes progress. */
export async function encodeSet(which: 'dev' | 'train', full: Dataset, form: TrainForm, signal: AbortSignal): Promise<EncodedSet> {
  const key = setKey(which, full, form);
  const have = state.sets[which];
  if (have?.key === key) return have;
  // The same set already on its way (e.g. the zero-shot preview's dev encode when Train is pressed): wait for it.
  const pending = state.inflight.get(key);
  if (pending) return abortable(pending, signal);
  const p = doEncodeSet(which, full, form, signal, key);
  state.inflight.set(key, p);
  try {
    return await p;
  } finally {
    state.inflight.delete(key);
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

function loadedClient() {
  const client = getEncoderClient();
  if (!client?.info) throw new Error('The encoder is not loaded yet: wait until the model panel says it is ready, then try again.');
  return client as typeof client & { info: NonNullable<typeof client.info> };
}

async function doEncodeSet(which: 'dev' | 'train', full: Dataset, form: TrainForm, signal: AbortSignal, key: string): Promise<EncodedSet> {
  const client = loadedClient();
  const ds = sampleDataset(full, which === 'dev' ? form.maxDev : form.maxTrain, 0);
  const t0 = performance.now();
  let cached = 0;
  // The bar shows at once (the encoder reports after its first batch, which can take a while on a CPU).
  set({ encodeStage: { set: which, progress: { done: 0, total: ds.examples.length, textsPerSecond: Number.NaN, etaSeconds: Number.NaN, cached: 0 } } });
  const run = state.chain.then(() =>
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
  state.chain = run.catch(() => undefined);
  const features = await run;
  useStudio.getState().setEncoder({ cacheStats: client.cacheStats });
  const out: EncodedSet = {
    key,
    ds,
    examples: ds.examples.map((x, i) => ({ features: features[i], label: x.label, ...(x.labels ? { labels: x.labels } : {}) })),
    cached,
    seconds: (performance.now() - t0) / 1000,
  };
  state.sets[which] = out;
  return out;
}

/** The label texts' features (pooled seeds + token states), each text encoded once per model and Tmax. */
export async function encodeLabelTexts(texts: readonly string[], form: TrainForm, signal?: AbortSignal): Promise<EncodedExample[]> {
  const client = loadedClient();
  const empty = texts.findIndex((t) => !t.trim());
  if (empty >= 0) throw new Error(`The label text of "${useStudio.getState().labelTextsFor[empty] ?? empty}" is empty: write a few words that describe the label (or its name).`);
  const tmax = encoderTmax(form);
  const k = (t: string) => `${client.info.hash}:${tmax}:${t}`;
  const missing = [...new Set(texts.filter((t) => !state.labelFeatures.has(k(t))))];
  if (missing.length) {
    const run = state.chain.then(() => client.encode(missing.map((text) => ({ text })), { tmax, signal }));
    state.chain = run.catch(() => undefined);
    const feats = await run;
    missing.forEach((t, i) => state.labelFeatures.set(k(t), feats[i]));
  }
  return texts.map((t) => state.labelFeatures.get(k(t))!);
}
