// Keep a finished (or stopped) run in the history; a failed save is said on the train step, never thrown.
import { saveRun } from './history-db';
import type { RunRecord } from './run-record';
import { useStudio } from './store';

export async function keepRun(record: RunRecord): Promise<void> {
  try {
    await saveRun(record);
  } catch (err) {
    useStudio.getState().setTrain({ trainError: `The run finished but could not be saved to the history: ${err instanceof Error ? err.message : String(err)}` });
  }
}
