// The train and dev sets as token ids, for the kinds that run the encoder in WGSL themselves (full fine-tuning,
// the L-Tuning kinds): the same samples as the feature heads' encoded sets (./encoded-sets.ts, sampleDataset with
// the form's sizes and seed 0), tokenised on the page with the loaded model's tokenizer (./wgsl-model.ts).
// Design decision: pairs follow the kind, as in the CLI: kinds with joint pairs (L-Tuning) always take the
// tokenizer's pair form (one sequence); fine-tuning takes the encoder's pair input where it has one, else the two
// sides separately (side by side, with pair features). Tokenising yields to the event loop every few hundred
// texts so the page stays responsive, and the sets are kept for the next run of the same data, model and Tmax.
import type { Dataset } from '../data';
import type { EncodedExample, EncoderInfo } from '../encoder/types';
import { headEntry, type HeadKind } from '../heads/registry';
import type { EncoderSpec } from '../model/spec';
import type { TrainExample } from '../train/batches';
import { sampleDataset } from '../train/subset';
import { tokenize, type PairMode } from '../train/token-examples';
import type { CurrentDataset } from './data-prep';
import { encodeLabelTexts, encoderTmax, type EncodedSet } from './encoded-sets';
import { beginEncode, endEncode } from './run-control';
import { useStudio } from './store';
import type { TrainForm, TrainSlice } from './train-slice';
import { wgslModel, type WgslModel } from './wgsl-model';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';
const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);

/** How a kind's pairs reach the encoder (see the file header). */
export function tokenPairMode(kind: HeadKind, pairData: boolean, encoderHasPairInput: boolean): PairMode {
  if (!pairData) return 'none';
  return headEntry(kind).pairs === 'joint' || encoderHasPairInput ? 'pair-input' : 'side-by-side';
}

const kept = new Map<string, EncodedSet>();
const ids = new WeakMap<Dataset, number>();
let nextId = 1;
const idOf = (ds: Dataset) => {
  let id = ids.get(ds);
  if (id === undefined) ids.set(ds, (id = nextId++));
  return id;
};

async function tokenSet(which: 'dev' | 'train', full: Dataset, sample: number, model: WgslModel, tmax: number, mode: PairMode, signal: AbortSignal): Promise<EncodedSet> {
  const key = `${which}:${idOf(full)}:${sample}:${tmax}:${mode}:${model.hash}`;
  const have = kept.get(key);
  if (have) return have;
  const t0 = performance.now();
  const ds = sampleDataset(full, sample, 0);
  const examples: TrainExample[] = [];
  for (const [i, x] of ds.examples.entries()) {
    if (i % 256 === 0) {
      await new Promise((r) => setTimeout(r, 0));
      signal.throwIfAborted();
    }
    examples.push({ tokens: tokenize(model.tokenizer, x.text, x.textPair, tmax, mode), label: x.label, ...(x.labels ? { labels: x.labels } : {}) });
  }
  const out: EncodedSet = { key, ds, examples, cached: 0, seconds: (performance.now() - t0) / 1000 };
  for (const k of kept.keys()) if (k.startsWith(`${which}:`)) kept.delete(k);
  kept.set(key, out);
  return out;
}

/** Dev and train (sampled as the form says) as token ids for `kind`, cut to `tmax` tokens per sequence. */
export async function tokenSets(ds: CurrentDataset, form: TrainForm, kind: HeadKind, model: WgslModel, hasPairInput: boolean, tmax: number, signal: AbortSignal): Promise<{ dev: EncodedSet; train: EncodedSet; mode: PairMode }> {
  const mode = tokenPairMode(kind, ds.pair, hasPairInput);
  const dev = await tokenSet('dev', ds.dev, form.maxDev, model, tmax, mode, signal);
  const train = await tokenSet('train', ds.train, form.maxTrain, model, tmax, mode, signal);
  return { dev, train, mode };
}

/** What a token-id run trains on: the sets as token ids, the label texts' features (kinds with label states), the graph. */
export interface TokenRunInputs {
  dev: EncodedSet;
  train: EncodedSet;
  labelFeatures: EncodedExample[];
  encoderSpec: EncoderSpec;
  mode: PairMode;
  seconds: number;
}

/**
 * The token-id counterpart of the feature heads' encode step: read the model's graph and tokenizer, tokenise dev
 * and train, and encode the label texts when the kind reads their token states; null when cancelled or failed
 * (said in the store, as the encode step does).
 */
export async function prepareTokenRun(ds: CurrentDataset, form: TrainForm, kind: HeadKind, info: EncoderInfo, labelTexts: string[]): Promise<TokenRunInputs | null> {
  const signal = beginEncode();
  set({ trainStatus: 'encoding', trainError: null, trainMessage: null, encodeStage: null, encodeSummary: null, zeroShotBusy: false, run: null, results: null });
  const t0 = performance.now();
  try {
    const model = await wgslModel();
    signal.throwIfAborted();
    const { dev, train, mode } = await tokenSets(ds, form, kind, model, info.hasPairInput, encoderTmax(form), signal);
    const labelFeatures = headEntry(kind).labelStates ? await encodeLabelTexts(labelTexts, form, signal) : [];
    return { dev, train, labelFeatures, encoderSpec: model.spec, mode, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    if (isAbort(err)) set({ trainStatus: 'idle', encodeStage: null, trainMessage: 'Cancelled before training started.' });
    else set({ trainStatus: 'error', trainError: `Could not prepare the token ids: ${message(err)}`, trainMessage: null });
    return null;
  } finally {
    endEncode();
  }
}
