// The run history panel's actions: read the stored runs (validated), delete one, pick runs to compare.
import { deleteRun, listRunsChecked } from './history-db';
import { useStudio } from './store';
import { message } from './use-ready';

const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setUse']>[0]) => useStudio.getState().setUse(patch);

/** Read the stored runs (validated; unreadable ones listed in historySkipped). */
export async function loadHistory(): Promise<void> {
  try {
    const { runs, skipped } = await listRunsChecked();
    const ids = new Set(runs.map((r) => r.id));
    set({ history: runs, historySkipped: skipped, historyError: null, historyLoaded: true, compareIds: useStudio.getState().compareIds.filter((id) => ids.has(id)) });
  } catch (err) {
    set({ historyError: message(err), historyLoaded: true });
  }
}

export async function removeRun(id: string): Promise<void> {
  try {
    await deleteRun(id);
    set({ compareIds: useStudio.getState().compareIds.filter((x) => x !== id) });
  } catch (err) {
    set({ historyError: message(err) });
  }
}

/** Add a run to the comparison, or take it out. */
export function toggleCompare(id: string): void {
  const ids = useStudio.getState().compareIds;
  set({ compareIds: ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id] });
}
