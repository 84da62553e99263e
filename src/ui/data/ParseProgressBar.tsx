// The file being read and parsed in the worker: stage, bytes, a bar, and Cancel.
import { cancelParsing } from '../../store/data-workflows';
import type { ParseProgress } from '../../store/data-slice';
import { formatSize } from './format';

export function ParseProgressBar({ p }: { p: ParseProgress }) {
  // Reading is the first fifth of the bar, parsing the rest.
  const overall = p.stage === 'reading' ? 0.2 * p.fraction : 0.2 + 0.8 * p.fraction;
  return (
    <div className="dp-progress" data-testid="parse-progress" data-stage={p.stage} role="status">
      <div className="dp-row">
        <span>
          {p.stage === 'reading' ? 'Reading' : 'Parsing'} <span className="dp-mono">{p.name}</span>
          <span className="dp-muted"> · {formatSize(p.size)} · {p.role === 'dev' ? 'dev file' : 'training file'}</span>
        </span>
        <span className="dp-muted">{Math.round(overall * 100)}%</span>
        <button type="button" className="dp-btn ghost" data-testid="parse-cancel" onClick={cancelParsing}>
          Cancel
        </button>
      </div>
      <div className="dp-bar" role="progressbar" aria-valuenow={Math.round(overall * 100)} aria-valuemin={0} aria-valuemax={100}>
        <span style={{ width: `${overall * 100}%` }} />
      </div>
    </div>
  );
}
