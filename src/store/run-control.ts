// Pause, resume and stop of the train step, and the gate the trainer awaits between steps. Design decision: the
// trainer is never interrupted mid-step: pausing makes its gate wait (state 'paused'), stopping aborts the
// encode or the run's signal and the trainer returns its best checkpoint; the gate also yields to the event loop
// at least every ~30 ms so the page keeps rendering and taking input while a run records GPU work.
import { useStudio } from './store';
import type { TrainSlice } from './train-slice';

const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);
const get = () => useStudio.getState();

const control = {
  encode: null as AbortController | null,
  run: null as AbortController | null,
  paused: false,
  resume: null as (() => void) | null,
  wait: null as Promise<void> | null,
};

/** A new encode: its controller (Stop aborts it). */
export function beginEncode(): AbortSignal {
  control.encode = new AbortController();
  return control.encode.signal;
}

export function endEncode(): void {
  control.encode = null;
}

/** A new training run: its controller (Stop and a lost device abort it). */
export function beginRun(): AbortController {
  control.run = new AbortController();
  control.paused = false;
  return control.run;
}

/** True while `ctrl` is the running run's controller. */
export const isCurrentRun = (ctrl: AbortController) => control.run === ctrl;

export function endRun(): void {
  control.run = null;
  control.paused = false;
}

/** Yield to the event loop (a macrotask: rendering and input run), faster than setTimeout's clamp. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(0);
  });
}

/** The trainer's pause gate for one run: yields every ~30 ms, waits while paused. */
export function makePauseGate(): () => Promise<void> {
  let lastYield = performance.now();
  return async () => {
    if (performance.now() - lastYield > 30) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    while (control.paused && control.wait) await control.wait;
  };
}

export function pauseTraining(): void {
  if (get().trainStatus !== 'training' || control.paused) return;
  control.paused = true;
  control.wait = new Promise((r) => (control.resume = r));
  set({ trainStatus: 'paused' });
}

export function resumeTraining(): void {
  if (!control.paused) return;
  control.paused = false;
  control.resume?.();
  control.resume = null;
  control.wait = null;
  if (get().trainStatus === 'paused') set({ trainStatus: 'training' });
}

/** Stop encoding or training; a stopped run keeps its best checkpoint. */
export function stopTraining(): void {
  control.encode?.abort();
  control.run?.abort();
  resumeTraining();
}
