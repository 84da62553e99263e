// Rows skipped or repaired in the current dataset's files, grouped by problem, with their line numbers.
import type { FileReport } from '../../store/data-slice';

export function RowReport({ reports }: { reports: FileReport[] }) {
  if (reports.length === 0) return null;
  return (
    <div className="dp-report" data-testid="skipped-rows">
      {reports.map((r) => (
        <div key={r.role + r.file}>
          <strong>
            {r.count.toLocaleString('en-US')} {r.count === 1 ? 'row' : 'rows'} of <span className="dp-mono">{r.file}</span> skipped or repaired
          </strong>
          <ul>
            {r.summaries.map((s) => (
              <li key={s.code} data-code={s.code} data-lines={s.lines.join(',')}>
                {s.message}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
