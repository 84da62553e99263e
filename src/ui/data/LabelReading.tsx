// How the label column is read (issue 13): one label per row, or several — as a delimited list ("a|b"), JSON
// arrays, or one 0/1 column per label — and optional label names for id cells (a labels.txt). Shows what was
// detected in the dataset in use and lets the user correct it, like the column menus; plus the too-few-examples
// warnings of the labels (src/data/label-support.ts).
// Design decision: the choice lives in the draft's ColumnChoice (labelMode/labelSep/labelColumns/labelNames), so
// a correction rebuilds the dataset through the same path as a column change and an invalid one keeps the old set.
import { useState } from 'react';
import { labelSupportWarnings } from '../../data/label-support';
import type { LabelSep } from '../../data/multi-label';
import { chooseColumns } from '../../store/data-workflows';
import type { ColumnChoice, CurrentDataset } from '../../store/data-slice';

const SEP_NAMES: Record<LabelSep, string> = { ',': 'comma  a,b', '|': 'bar  a|b', ';': 'semicolon  a;b', json: 'JSON array  ["a","b"]' };

/** What the dataset in use reads, in words. */
export function labelReadingText(ds: CurrentDataset): string {
  const t = ds.train;
  if (!t.multiLabel) return 'one label per row';
  const multi = t.examples.filter((x) => (x.labels?.length ?? 1) > 1).length;
  const how = t.labelColumns ? `one 0/1 column per label (${t.labelColumns.length} columns)` : t.labelSep === 'json' ? 'JSON arrays' : `lists separated by "${t.labelSep}"`;
  return `several labels per row: ${how}; ${multi} of ${t.examples.length} training rows have more than one`;
}

/** The support warnings in the studio's words (the data module names the CLI flag). */
export function supportMessages(ds: CurrentDataset): string[] {
  return labelSupportWarnings(ds.train, ds.dev).map((w) => w.message.replace(/--class-weights auto/g, 'class weights "auto" in the Train step'));
}

export function LabelReading({ columns, choice, dataset }: { columns: string[]; choice: ColumnChoice; dataset: CurrentDataset | null }) {
  const mode = choice.labelColumns?.length ? 'columns' : (choice.labelMode ?? 'auto');
  const [namesText, setNamesText] = useState((choice.labelNames ?? []).join('\n'));
  const warnings = dataset ? supportMessages(dataset) : [];
  return (
    <div className="dp-labelread" data-testid="label-reading">
      <div className="dp-labelread-row">
        <span className="dp-muted">Labels per row:</span>{' '}
        <b data-testid="label-detected" data-multi={String(!!dataset?.train.multiLabel)} data-sep={dataset?.train.labelSep ?? ''}>
          {dataset ? labelReadingText(dataset) : '—'}
        </b>
      </div>
      <div className="dp-labelread-row">
        <label>
          Read labels as{' '}
          <select
            data-testid="label-mode"
            value={mode}
            onChange={(e) => {
              const v = e.target.value;
              if (v === 'columns') chooseColumns({ labelMode: 'multi', labelColumns: columns.filter((c) => c !== choice.text && c !== choice.textPair).slice(0, 1) });
              else chooseColumns({ labelMode: v as 'auto' | 'single' | 'multi', labelColumns: undefined });
            }}
          >
            <option value="auto">detect</option>
            <option value="single">one label per row</option>
            <option value="multi">several labels per row (a list)</option>
            <option value="columns">several labels: one 0/1 column each</option>
          </select>
        </label>
        {mode === 'multi' || (mode === 'auto' && dataset?.train.multiLabel && !dataset.train.labelColumns) ? (
          <label>
            {' '}separated by{' '}
            <select data-testid="label-sep" value={choice.labelSep ?? dataset?.train.labelSep ?? ','} onChange={(e) => chooseColumns({ labelMode: 'multi', labelSep: e.target.value as LabelSep })}>
              {(Object.keys(SEP_NAMES) as LabelSep[]).map((s) => (
                <option key={s} value={s}>
                  {SEP_NAMES[s]}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {mode === 'columns' ? (
        <div className="dp-labelread-row" data-testid="label-columns">
          <span className="dp-muted">0/1 label columns:</span>
          {columns
            .filter((c) => c !== choice.text && c !== choice.textPair)
            .map((c) => (
              <label key={c} className="dp-check">
                <input
                  type="checkbox"
                  data-testid={`label-col-${c}`}
                  checked={!!choice.labelColumns?.includes(c)}
                  onChange={(e) => {
                    const now = choice.labelColumns ?? [];
                    const next = e.target.checked ? [...now, c] : now.filter((x) => x !== c);
                    if (next.length) chooseColumns({ labelColumns: columns.filter((x) => next.includes(x)) });
                  }}
                />{' '}
                {c}
              </label>
            ))}
        </div>
      ) : null}
      <details className="dp-labelread-row" open={!!choice.labelNames?.length}>
        <summary>Label names for id cells (a labels.txt: line i names id i)</summary>
        <textarea data-testid="label-names" rows={3} value={namesText} placeholder={'anger\ndisgust\n…'} onChange={(e) => setNamesText(e.target.value)} />
        <button
          type="button"
          data-testid="label-names-apply"
          onClick={() => {
            const names = namesText.split(/\r?\n/).map((x) => x.trim()).filter((x) => x !== '');
            chooseColumns({ labelNames: names.length ? names : undefined });
          }}
        >
          {namesText.trim() ? 'Use these names' : 'Clear names'}
        </button>
      </details>
      {warnings.length ? (
        <ul className="dp-support" data-testid="label-support">
          {warnings.map((w) => (
            <li key={w}>⚠ {w}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
