// How the dev set is made: an automatic stratified, seeded share of the training file, or a dev file.
import { chooseSplit, loadDevFile, removeDevFile } from '../../store/data-workflows';
import type { SplitChoice } from '../../store/data-slice';
import type { ParsedFile } from '../../data/parsed-file';
import { DropZone } from './DropZone';
import { formatCount } from './format';

interface Props {
  split: SplitChoice;
  /** A sentence under the automatic split (e.g. the demo's sample), or null. */
  note: string | null;
  devFile: ParsedFile | null;
  busy: boolean;
}

export function DevSplit({ split, note, devFile, busy }: Props) {
  return (
    <div className="dp-split">
      <h3>Dev set</h3>
      <label className="dp-radio">
        <input type="radio" name="dp-split" data-testid="split-auto" checked={split.mode === 'split'} onChange={() => chooseSplit({ mode: 'split' })} />
        <span>
          Automatic, stratified by label
          <span className="dp-inline-fields">
            <input
              type="number"
              data-testid="split-fraction"
              min={1}
              max={90}
              step={1}
              value={Math.round(split.fraction * 100)}
              disabled={split.mode !== 'split'}
              onChange={(e) => {
                const v = Number(e.target.value);
                if (v >= 1 && v <= 90) chooseSplit({ fraction: v / 100 });
              }}
            />
            % · seed
            <input
              type="number"
              data-testid="split-seed"
              min={0}
              step={1}
              value={split.seed}
              disabled={split.mode !== 'split'}
              onChange={(e) => {
                const v = Number(e.target.value);
                if (Number.isInteger(v) && v >= 0) chooseSplit({ seed: v });
              }}
            />
          </span>
        </span>
      </label>
      {note && split.mode === 'split' ? <div className="dp-muted dp-split-note">{note}</div> : null}
      <label className="dp-radio">
        <input type="radio" name="dp-split" data-testid="split-file" checked={split.mode === 'file'} disabled={!devFile} onChange={() => chooseSplit({ mode: 'file' })} />
        <span>
          From a dev file
          {devFile ? (
            <span className="dp-devfile" data-testid="dev-file">
              <span className="dp-mono">{devFile.name}</span>
              <span className="dp-muted"> · {formatCount(devFile.table.rows.length)} rows</span>
              <button type="button" className="dp-btn ghost small" data-testid="dev-file-remove" aria-label="Remove the dev file" onClick={removeDevFile}>
                ✕
              </button>
            </span>
          ) : null}
        </span>
      </label>
      <DropZone
        compact
        testId="drop-dev"
        inputTestId="file-input-dev"
        title="Drop a dev file"
        hint="same columns as the training file"
        busy={busy}
        onFile={(f) => void loadDevFile(f, f.name)}
      />
    </div>
  );
}
