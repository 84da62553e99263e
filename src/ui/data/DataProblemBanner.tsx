// The last data problem (a DataError's code and message), with what stayed in use.
import { dismissDataError } from '../../store/data-workflows';
import type { DataProblem } from '../../store/data-slice';

const TITLES: Record<DataProblem['role'], string> = {
  train: 'This file could not be read',
  dev: 'This dev file could not be read',
  demo: 'The demo dataset could not be loaded',
  build: 'This choice does not make a dataset',
};

export function DataProblemBanner({ problem, kept }: { problem: DataProblem; kept: string | null }) {
  const cancelled = problem.code === 'cancelled';
  return (
    <div className={`dp-banner${cancelled ? ' info' : ''}`} data-testid="data-error" data-code={problem.code} role="alert">
      <div className="dp-banner-body">
        <strong>{cancelled ? 'Cancelled' : TITLES[problem.role]}</strong>
        <p data-testid="data-error-message">{problem.message}</p>
        {kept ? (
          <p className="dp-muted" data-testid="data-error-kept">
            Still using <strong>{kept}</strong>.
          </p>
        ) : null}
      </div>
      <button type="button" className="dp-btn ghost" aria-label="Dismiss" data-testid="data-error-dismiss" onClick={dismissDataError}>
        ✕
      </button>
    </div>
  );
}
