// The train form: the chosen head, the advanced settings, their validation, and the trainer options they become.
// Design decision: choosing a head replaces the learning rate with that kind's default (from the head registry),
// because the convex probes and the attention heads want rates 10x apart; other edits are kept.
import { headTrainDefaults, isHeadKind, type HeadKind } from '../heads/registry';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../train/trainer';
import { useStudio } from './store';
import { DEFAULT_TRAIN_FORM, type TrainForm, type TrainSlice } from './train-slice';

const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);
const get = () => useStudio.getState();

/** Choose the head; its default learning rate replaces the form's. */
export function setHeadKind(kind: HeadKind): void {
  if (!isHeadKind(kind)) throw new Error(`unknown head "${kind}"`);
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

/** The trainer's options for a run of `kind` on `trainSize` examples with `tmax` token rows per text. */
export function trainOptions(form: TrainForm, kind: HeadKind, trainSize: number, tmax: number): TrainOptions {
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
    tmax,
    objective: headTrainDefaults(kind).objective,
    // About 200 loss readbacks per run (each is a small GPU sync), at least one per 10 steps.
    readEvery: Math.max(1, Math.min(10, Math.round(totalSteps / 200))),
    // A dev point mid-epoch too when epochs are long, so the dev curve moves while training.
    evalEverySteps: stepsPerEpoch >= 40 ? Math.ceil(stepsPerEpoch / 2) : 0,
  };
}
