// The head budget line of the History panel: how much the kept heads take and the budget (editable, in MB);
// beyond it the oldest runs' weights are evicted (their records stay). Also shows what the history could not keep.
import { useEffect, useState } from 'react';
import { formatBytes } from '../../store/keep-plan';
import { useStudio } from '../../store/store';
import { setHeadBudget } from '../../store/use-workflows';

export function HistoryBudget() {
  const usage = useStudio((s) => s.headUsage);
  const notice = useStudio((s) => s.keepNotice);
  const [mb, setMb] = useState('');
  useEffect(() => {
    if (usage) setMb(String(Math.round((usage.budget / 1024 / 1024) * 10) / 10));
  }, [usage?.budget]);
  if (!usage) return null;
  const frac = usage.budget > 0 ? Math.min(1, usage.used / usage.budget) : 1;
  return (
    <div className="history-budget" data-testid="history-budget">
      <span data-testid="history-usage" data-used={usage.used} data-budget={usage.budget}>
        Heads kept: <b>{formatBytes(usage.used)}</b> of <b>{formatBytes(usage.budget)}</b>
      </span>
      <progress max={1} value={frac} aria-label="Head storage used" />
      <form
        className="row"
        onSubmit={(ev) => {
          ev.preventDefault();
          void setHeadBudget(mb.trim() === '' ? NaN : Number(mb));
        }}
      >
        <label className="small">
          Budget (MB){' '}
          <input type="number" min={0} step="any" value={mb} onChange={(ev) => setMb(ev.target.value)} data-testid="history-budget-input" style={{ width: '6em' }} />
        </label>
        <button type="submit" className="btn btn-sm" data-testid="history-budget-set">
          Set
        </button>
      </form>
      <span className="muted small">Beyond the budget the oldest runs' weights are evicted; their records stay.</span>
      {notice && (
        <div className="alert alert-warn small" data-testid="history-keep-notice">
          {notice}
        </div>
      )}
    </div>
  );
}
