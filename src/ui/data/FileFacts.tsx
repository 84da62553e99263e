// What was detected about the training file (format, delimiter, header, encoding, rows) and the two things a
// user may correct: the header row and the delimiter (the file is read again in the worker).
import { useState } from 'react';
import { rereadTrainFile } from '../../store/data-workflows';
import type { ParsedFile } from '../../data/parsed-file';
import { DELIMITER_NAMES, formatCount, formatName, formatSize } from './format';

export function FileFacts({ file, rereadable }: { file: ParsedFile; rereadable: boolean }) {
  // Why the format, delimiter and header were chosen: a button (click, Enter, Space), not a hover-only title.
  const [open, setOpen] = useState(false);
  const o = file.options;
  const delimited = o.format === 'csv' || o.format === 'tsv';
  return (
    <div className="dp-facts" data-testid="data-format" data-format={o.format} data-delimiter={o.delimiter} data-header={String(o.hasHeader)}>
      <span className="dp-chip strong">{formatName(o.format)}</span>
      {delimited ? (
        <label className="dp-chip">
          delimiter
          <select
            data-testid="data-delimiter"
            value={o.delimiter}
            disabled={!rereadable}
            onChange={(e) => void rereadTrainFile({ delimiter: e.target.value, format: e.target.value === '\t' ? 'tsv' : 'csv' })}
          >
            {[',', ';', '|', '\t'].map((d) => (
              <option key={d} value={d}>
                {DELIMITER_NAMES[d]}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {delimited ? (
        <label className="dp-chip">
          <input type="checkbox" data-testid="data-header-toggle" checked={o.hasHeader} disabled={!rereadable} onChange={(e) => void rereadTrainFile({ hasHeader: e.target.checked })} />
          first row is a header
        </label>
      ) : null}
      <span className="dp-chip">{file.encoding.name.toUpperCase()}</span>
      <span className="dp-chip">
        {formatCount(file.table.rows.length)} rows · {formatSize(file.size)}
      </span>
      <button
        type="button"
        className="dp-facts-why"
        data-testid="data-format-why"
        aria-expanded={open}
        aria-controls="data-format-notes"
        onClick={() => setOpen(!open)}
      >
        why?
      </button>
      {open && (
        <ul className="dp-facts-notes" id="data-format-notes" data-testid="data-format-notes">
          {file.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
