// The run history panel's actions: read the stored runs (validated; a run left 'running' by a closed or reloaded
// page becomes 'interrupted'), delete one, pick runs to compare, and change the head budget (evicting the oldest
// runs' head files beyond it). "Use this head" is ./history-heads.ts.
import { deleteRun, idbKeepStore, listRunsChecked } from './history-db';
import { usedBytes } from './keep-plan';
import { applyBudget, headBudget, markInterrupted, storeHeadBudget } from './run-keep';
import { liveRunId } from './run-save';
import { useStudio } from './store';
import { message } from './use-ready';

const set = (patch: Parameters<ReturnType<typeof useStudio.getState>['setUse']>[0]) => useStudio.getState().setUse(patch);

/** Read the stored runs (validated; unreadable ones listed in historySkipped). */
export async function loadHistory(): Promise<void> {
  try {
    // Taken before the read: a run that ends meanwhile is read in its final state, never as 'running'.
    const liveId = liveRunId();
    const listed = await listRunsChecked();
    let runs = listed.runs;
    try {
      runs = await markInterrupted(idbKeepStore, runs, liveId);
    } catch (err) {
      set({ keepNotice: `Runs left unfinished by a closed page could not be marked interrupted: ${message(err)}` });
    }
    const ids = new Set(runs.map((r) => r.id));
    set({
      history: runs,
      historySkipped: listed.skipped,
      historyError: null,
      historyLoaded: true,
      headUsage: { used: usedBytes(runs), budget: headBudget() },
      compareIds: useStudio.getState().compareIds.filter((id) => ids.has(id)),
    });
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

/** A new head budget in MB (the History panel's field): stored, then the oldest head files beyond it are evicted. */
export async function setHeadBudget(mb: number): Promise<void> {
  try {
    if (!Number.isFinite(mb) || mb < 0) throw new Error(`the head budget must be a number of MB, at least 0 (got "${mb}")`);
    storeHeadBudget(mb * 1024 * 1024);
  } catch (err) {
    set({ keepNotice: `The head budget was not changed: ${message(err)}` });
    return;
  }
  try {
    const n = await applyBudget(idbKeepStore, headBudget());
    set({ keepNotice: n ? `The head budget is now ${mb} MB: the weights of the ${n} oldest ${n === 1 ? 'run were' : 'runs were'} evicted (their records stay).` : null });
    await loadHistory();
  } catch (err) {
    set({ keepNotice: `The head budget is now ${mb} MB, but evicting the oldest head files failed: ${message(err)}` });
  }
}
