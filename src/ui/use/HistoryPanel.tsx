// The run history: every run kept in IndexedDB (it survives a reload) with its dataset, head, dev accuracy and
// macro-F1, why it stopped and when; pick two or more to compare their curves and metrics side by side; delete
// a run. Records that cannot be read (an older or broken build) are listed as skipped, never shown broken. Each
// run keeps its head (weights) under a budget shown here (HistoryBudget): "Use this head" makes it the active
// head; a run whose weights were evicted for the budget keeps its row, marked so.
import { useEffect } from 'react';
import { onRunsChanged } from '../../store/history-db';
import type { RunRecord } from '../../store/run-record';
import { useStudio } from '../../store/store';
import { loadHistory, removeRun, toggleCompare, useHistoryHead } from '../../store/use-workflows';
import { HistoryBudget } from './HistoryBudget';
import { RunCompare } from './RunCompare';
import './use.css';

const STOP: Record<RunRecord['stoppedBy'], { text: string; tone: string }> = {
  epochs: { text: 'all epochs', tone: 'badge-ok' },
  'early-stopping': { text: 'early stop', tone: 'badge-ok' },
  diverged: { text: 'diverged', tone: 'badge-bad' },
  aborted: { text: 'stopped', tone: 'badge-warn' },
  'device-lost': { text: 'GPU lost', tone: 'badge-bad' },
  failed: { text: 'failed', tone: 'badge-bad' },
  interrupted: { text: 'interrupted', tone: 'badge-warn' },
  running: { text: 'running', tone: 'badge-accent' },
};

function when(iso: string, now = Date.now()): string {
  const s = (now - Date.parse(iso)) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)}`);

export function HistoryPanel() {
  const runs = useStudio((s) => s.history);
  const skipped = useStudio((s) => s.historySkipped);
  const error = useStudio((s) => s.historyError);
  const loaded = useStudio((s) => s.historyLoaded);
  const picked = useStudio((s) => s.compareIds);
  const activeId = useStudio((s) => s.activeHead?.id);
  const useBusy = useStudio((s) => s.useHeadBusy);
  const useError = useStudio((s) => s.useHeadError);
  useEffect(() => {
    void loadHistory();
    return onRunsChanged(() => void loadHistory());
  }, []);
  const compared = picked.map((id) => runs.find((r) => r.id === id)).filter((r): r is RunRecord => r !== undefined);
  return (
    <section className="history-panel" data-testid="history-panel" aria-label="History">
      <h2>History</h2>
      <p>Every run is kept in this browser. Tick two or more to compare them side by side.</p>
      {error && (
        <div className="alert alert-error" role="alert" data-testid="history-error">
          {error}
        </div>
      )}
      <HistoryBudget />
      {useError && (
        <div className="alert alert-error" role="alert" data-testid="history-use-error" data-run-id={useError.id}>
          {useError.message}
        </div>
      )}
      {skipped.length > 0 && (
        <div className="alert alert-warn" data-testid="history-skipped">
          <strong>
            {skipped.length} stored {skipped.length === 1 ? 'run was' : 'runs were'} skipped
          </strong>{' '}
          (written by another version, or damaged):
          <ul className="small">
            {skipped.slice(0, 5).map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ul>
        </div>
      )}
      {loaded && runs.length === 0 && !error && (
        <p className="use-empty muted" data-testid="history-empty">
          No runs yet — train a head and it will appear here, with its curves and metrics.
        </p>
      )}
      {runs.length > 0 && (
        <div className="table-wrap history-table">
          <table className="table" data-testid="history-table">
            <thead>
              <tr>
                <th aria-label="Compare" />
                <th>When</th>
                <th>Dataset</th>
                <th>Head</th>
                <th className="num">Accuracy</th>
                <th className="num">Macro-F1</th>
                <th>Stopped</th>
                <th className="num">Time</th>
                <th>Weights</th>
                <th aria-label="Delete" />
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const stop = STOP[r.stoppedBy];
                const on = picked.includes(r.id);
                return (
                  <tr key={r.id} data-testid="history-row" data-run-id={r.id} className={on ? 'picked' : ''}>
                    <td>
                      <input type="checkbox" checked={on} onChange={() => toggleCompare(r.id)} aria-label={`Compare run ${r.id}`} data-testid="history-pick" />
                    </td>
                    <td title={r.createdAt} className="nowrap">
                      {when(r.createdAt)}
                    </td>
                    <td>
                      <div className="history-ds">{r.dataset.name}</div>
                      <div className="muted small">
                        {r.dataset.train.toLocaleString()} train · {r.dataset.dev.toLocaleString()} dev · {r.labels.length} labels{r.dataset.pair ? ' · pairs' : ''}
                      </div>
                    </td>
                    <td>
                      <span className="badge">{r.head}</span>
                      {activeId === r.id && <span className="badge badge-ok history-inuse">in use</span>}
                    </td>
                    <td className="num strong" data-testid="history-acc">
                      {pct(r.best?.accuracy)}
                    </td>
                    <td className="num">{pct(r.best?.macroF1)}</td>
                    <td>
                      <span className={`badge ${stop.tone}`} title={r.message}>
                        {stop.text}
                      </span>
                    </td>
                    <td className="num muted">{r.timings.train.toFixed(1)} s</td>
                    <td data-testid="history-weights" data-state={r.weights?.state ?? 'none'}>
                      {r.weights?.state === 'kept' ? (
                        <button type="button" className="btn btn-sm" data-testid="history-use" disabled={useBusy !== null || activeId === r.id} title={r.weights.of === 'checkpoint' ? 'The best checkpoint saved during the run' : 'The head the run ended with'} onClick={() => void useHistoryHead(r.id)}>
                          {useBusy === r.id ? 'Loading…' : 'Use this head'}
                        </button>
                      ) : r.weights?.state === 'evicted' ? (
                        <span className="badge badge-warn" data-testid="history-evicted" title={r.weights.note}>
                          weights evicted
                        </span>
                      ) : (
                        <span className="muted small">none</span>
                      )}
                    </td>
                    <td>
                      <button type="button" className="btn btn-ghost btn-sm history-del" title="Delete this run" aria-label={`Delete run ${r.id}`} data-testid="history-delete" onClick={() => void removeRun(r.id)}>
                        ✕
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {compared.length === 1 && <p className="muted small">Tick one more run to compare.</p>}
      {compared.length >= 2 && <RunCompare runs={compared} />}
    </section>
  );
}
