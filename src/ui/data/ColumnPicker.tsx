// Which column holds the text, the optional second text (sentence pairs) and the label.
import { chooseColumns } from '../../store/data-workflows';
import type { ColumnChoice } from '../../store/data-slice';

function Pick({ role, testId, label, value, columns, none, onPick }: { role: string; testId: string; label: string; value: string; columns: string[]; none: string; onPick: (v: string) => void }) {
  return (
    <label className={`dp-pick role-${role}`}>
      <span className="dp-pick-label">
        <i className="dp-dot" aria-hidden="true" />
        {label}
      </span>
      <select data-testid={testId} value={value} onChange={(e) => onPick(e.target.value)}>
        <option value="">{none}</option>
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ColumnPicker({ columns, choice }: { columns: string[]; choice: ColumnChoice }) {
  return (
    <div className="dp-picks">
      <Pick role="text" testId="col-text" label="Text" value={choice.text} columns={columns} none="— choose —" onPick={(v) => chooseColumns({ text: v })} />
      <Pick role="pair" testId="col-pair" label="Second text (pairs)" value={choice.textPair ?? ''} columns={columns} none="none (single text)" onPick={(v) => chooseColumns({ textPair: v === '' ? null : v })} />
      <Pick role="label" testId="col-label" label="Label" value={choice.label} columns={columns} none="— choose —" onPick={(v) => chooseColumns({ label: v })} />
    </div>
  );
}
