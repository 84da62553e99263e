// Pause, resume and stop of the train step, and the trainer worker the runs go to. Design decision: the trainer
// is never interrupted mid-step: pausing tells the worker's run to wait at its next step (state 'paused'),
// stopping aborts the encode or the run, which then ends with its best checkpoint. The worker is started with
// the page's engine (startEngine), before any run, so its script is loaded by the time Train is pressed; it
// acquires its own device only for its first run.
import { TrainerClient, type TrainRunHandle } from '../worker/train-client';
import { useStudio } from './store';
import type { TrainSlice } from './train-slice';

const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);
const get = () => useStudio.getState();

const control = {
  encode: null as AbortController | null,
  run: null as TrainRunHandle | null,
  paused: false,
  client: null as TrainerClient | null,
};

/** The trainer worker's client (started on first use). */
export function getTrainerClient(): TrainerClient {
  return (control.client ??= new TrainerClient());
}

/** A new encode: its controller (Stop aborts it). */
export function beginEncode(): AbortSignal {
  control.encode = new AbortController();
  return control.encode.signal;
}

export function endEncode(): void {
  control.encode = null;
}

/** A run started in the worker: Pause, Resume and Stop now act on it. */
export function beginRun(run: TrainRunHandle): void {
  control.run = run;
  control.paused = false;
}

export function endRun(): void {
  control.run = null;
  control.paused = false;
}

export function pauseTraining(): void {
  if (get().trainStatus !== 'training' || control.paused || !control.run) return;
  control.paused = true;
  control.run.pause();
  set({ trainStatus: 'paused' });
}

export function resumeTraining(): void {
  if (!control.paused) return;
  control.paused = false;
  control.run?.resume();
  if (get().trainStatus === 'paused') set({ trainStatus: 'training' });
}

/** Stop encoding or training; a stopped run keeps its best checkpoint. */
export function stopTraining(): void {
  control.encode?.abort();
  control.run?.stop();
  resumeTraining();
}
