// Sizes the DEFAULT demo run to the adapter before its first run: a new user on a CPU adapter pressed Train on
// 600 examples x 10 epochs and waited ~9.5 minutes. Once the engine, the encoder and the demo are ready and the
// Train form is untouched, this times the encoder on a few dev texts (which the run would encode anyway, so the
// feature cache keeps them) and one training step of the chosen head in the trainer worker on synthetic features
// of the run's (B, T, C) (a 'measure' request: src/train/measure-job.ts), then applies ./run-size.ts's proposal
// (about a minute, encode included) and says so in the Train card with a one-click undo to the full size.
// Texts longer than SIZED_TMAX tokens are cut to it in the sized run (a step costs about linearly in T, and the
// demo's e-mails say what they are in their first lines); the full run's step is costed from the measured one.
// The encoder is timed after one untimed text (its first call pays for warming up).
// Design decision: only the untouched default is changed — a form the user edited meanwhile, another dataset or
// a started run is never overwritten (the proposal is then offered, not applied); it runs once per page.
import { headEntry } from '../heads/registry';
import { getEncoderClient } from './encoder-workflows';
import { encoderTmax } from './encoded-sets';
import { getTrainerClient } from './run-control';
import { proposeRunSize, type SizeProposal } from './run-size';
import { useStudio } from './store';
import { trainOptions } from './train-form';
import { DEFAULT_TRAIN_FORM, type TrainForm } from './train-slice';
import { getEngine } from './workflows';

/** What the Train card shows about the sizing (plain data in the train slice). */
export interface RunSizingView {
  status: 'measuring' | 'applied' | 'offered' | 'undone' | 'fits' | 'failed';
  stepSeconds?: number;
  encodeSecondsPerText?: number;
  /** The batch the step was timed on. */
  B?: number;
  T?: number;
  proposal?: SizeProposal;
  /** The form's values before the proposal was applied (the undo). */
  full?: Pick<TrainForm, 'maxTrain' | 'maxDev' | 'epochs' | 'tmax'>;
  /** The Tmax of the sized run. */
  tmax?: number;
  message?: string;
}

/** Dev texts timed through the encoder (enough to average, few enough to take a second or two on wasm). */
const ENCODE_PROBE = 8;
/** The sized run's token limit (the full run keeps the form's). */
export const SIZED_TMAX = 64;
const get = () => useStudio.getState();
const setView = (runSizing: RunSizingView) => get().setTrain({ runSizing });
let attempted = false;

const sameForm = (a: TrainForm, b: TrainForm) => (Object.keys(b) as (keyof TrainForm)[]).every((k) => Object.is(a[k], b[k]));

/** True while the studio shows the untouched default demo run (nothing trained, nothing edited). */
function untouchedDefault(): boolean {
  const s = get();
  return s.trainOrigin === 'demo' && s.headKind === 'ytuning' && sameForm(s.trainForm, DEFAULT_TRAIN_FORM) && s.trainStatus === 'idle' && !s.run;
}

/** Start sizing when everything it needs is ready (called on every store change until it has run once). */
export function maybeSizeDefaultRun(): void {
  if (attempted || !untouchedDefault() || !getEngine() || !getEncoderClient()?.info || !get().dataset) return;
  attempted = true;
  void sizeDefaultRun();
}

/** Watch the store and size the default demo run once it can; returns the unsubscribe. */
export function watchDefaultSizing(): () => void {
  maybeSizeDefaultRun();
  const unsubscribe = useStudio.subscribe(() => {
    maybeSizeDefaultRun();
    if (attempted) unsubscribe();
  });
  return unsubscribe;
}

async function sizeDefaultRun(): Promise<void> {
  const s = get();
  const client = getEncoderClient();
  const ds = s.dataset;
  if (!client?.info || !ds) return;
  const info = client.info;
  const form = s.trainForm;
  const kind = s.headKind;
  setView({ status: 'measuring' });
  try {
    const fullTmax = encoderTmax(form);
    const tmax = Math.min(fullTmax, SIZED_TMAX);
    const texts = ds.dev.examples.slice(0, ENCODE_PROBE + 1).map((x) => (x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair }));
    await client.encode(texts.slice(0, 1), { tmax });
    const probe = texts.slice(1);
    const t0 = performance.now();
    const feats = await client.encode(probe, { tmax });
    const encodeSecondsPerText = (performance.now() - t0) / 1000 / Math.max(1, probe.length);
    // The batch is timed at the longest of these texts (padding follows a batch's longest row: the estimate errs long).
    const T = Math.max(1, Math.min(tmax, ...feats.map((f) => f.length)));
    const pair = ds.pair && !info.hasPairInput && headEntry(kind).pairs !== 'joint';
    const labels = ds.train.labels.length;
    const m = await getTrainerClient().measure({
      kind,
      ctx: { C: info.hiddenSize, labels, pair, labelFeatures: [], seed: form.seed },
      options: trainOptions(form, kind, ds.train.examples.length, tmax),
      B: Math.min(form.batchSize, ds.train.examples.length),
      T,
    });
    // Texts cut at `tmax` here may run to `fullTmax` in the full run: its step costs proportionally more.
    const fullStepSeconds = T >= tmax && fullTmax > tmax ? (m.stepSeconds * fullTmax) / tmax : m.stepSeconds;
    const proposal = proposeRunSize({ stepSeconds: m.stepSeconds, fullStepSeconds, encodeSecondsPerText, batchSize: form.batchSize, epochs: form.epochs, trainSize: ds.train.examples.length, devSize: ds.dev.examples.length, labels });
    const base = { stepSeconds: m.stepSeconds, encodeSecondsPerText, B: m.B, T: m.T, tmax };
    if (!proposal) return setView({ ...base, status: 'fits' });
    // Applied only if the user has not touched the form (or started a run, or changed the data) meanwhile.
    if (!untouchedDefault() || get().dataset !== ds) return setView({ ...base, status: 'offered', proposal, full: pick(get().trainForm) });
    setView({ ...base, status: 'applied', proposal, full: pick(form) });
    get().setTrain({ trainForm: { ...get().trainForm, maxTrain: proposal.maxTrain, maxDev: proposal.maxDev, epochs: proposal.epochs, tmax } });
  } catch (err) {
    setView({ status: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
}

const pick = (f: TrainForm) => ({ maxTrain: f.maxTrain, maxDev: f.maxDev, epochs: f.epochs, tmax: f.tmax });

/** Undo: the full-size run the form had before the proposal. */
export function restoreFullSize(): void {
  const v = get().runSizing;
  if (!v?.full || v.status !== 'applied') return;
  get().setTrain({ trainForm: { ...get().trainForm, ...v.full }, runSizing: { ...v, status: 'undone' } });
}

/** Apply the measured proposal (again, or when it was only offered). */
export function applyProposedSize(): void {
  const v = get().runSizing;
  if (!v?.proposal || (v.status !== 'undone' && v.status !== 'offered')) return;
  const { maxTrain, maxDev, epochs } = v.proposal;
  get().setTrain({ trainForm: { ...get().trainForm, maxTrain, maxDev, epochs, tmax: v.tmax ?? get().trainForm.tmax }, runSizing: { ...v, status: 'applied', full: pick(get().trainForm) } });
}
