// The first rows of the training file with their line numbers; columns in a role are tinted and tagged.
import type { ColumnChoice } from '../../store/data-slice';
import type { ParsedTable } from '../../data/types';

const ROWS = 8;

function roleOf(name: string, c: ColumnChoice | null): string | null {
  if (!c) return null;
  if (name === c.text) return 'text';
  if (name === c.textPair) return 'pair';
  if (name === c.label) return 'label';
  return null;
}

export function PreviewTable({ table, choice }: { table: ParsedTable; choice: ColumnChoice | null }) {
  return (
    <div className="dp-preview-wrap">
      <table className="dp-preview" data-testid="data-preview">
        <thead>
          <tr>
            <th className="dp-line">line</th>
            {table.columns.map((c) => {
              const role = roleOf(c, choice);
              return (
                <th key={c} className={role ? `role-${role}` : undefined} data-role={role ?? undefined}>
                  {c}
                  {role ? <span className="dp-role-tag">{role === 'pair' ? 'text 2' : role}</span> : null}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {table.rows.slice(0, ROWS).map((row, i) => (
            <tr key={table.lines[i]}>
              <td className="dp-line">{table.lines[i]}</td>
              {row.map((v, j) => {
                const role = roleOf(table.columns[j], choice);
                return (
                  <td key={j} className={role ? `role-${role}` : undefined} title={v.length > 80 ? v.slice(0, 600) : undefined}>
                    {v === '' ? <span className="dp-empty">empty</span> : v}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {table.rows.length > ROWS ? <div className="dp-muted dp-more">… and {(table.rows.length - ROWS).toLocaleString('en-US')} more rows</div> : null}
    </div>
  );
}
