// Batch prediction: drop or pick a file (CSV, TSV, JSON, JSONL, `LABEL text`), choose its text column(s),
// predict every row with the active head, preview the first rows and download a CSV of all of them; a column of
// the head's labels scores the predictions (accuracy, and a `correct` column in the CSV).
import { useStudio } from '../../store/store';
import type { ActiveHeadInfo } from '../../store/active-head';
import { batchCsvFile, cancelBatch, headReadsPairs, openBatchFile, runBatch, setBatchColumns } from '../../store/use-workflows';
import { downloadFile } from '../download';
import { labelDisplay } from '../train/format';
import { FileDrop } from './FileDrop';

export function BatchPredict({ head }: { head: ActiveHeadInfo }) {
  const b = useStudio((s) => s.batch);
  const fileError = useStudio((s) => s.batchFileError);
  const pair = headReadsPairs(head);
  const busy = b?.status === 'encoding' || b?.status === 'predicting';
  const done = b?.status === 'done' && b.headId === head.id;
  const total = b?.progress?.total ?? 0;
  const frac = b?.progress && total ? b.progress.done / total : 0;
  return (
    <div className="use-card" data-testid="batch">
      <h3>Batch prediction</h3>
      <p className="muted small">Predict a whole file and download the results as CSV.</p>
      <FileDrop testId="batch-drop" onFile={(f) => void openBatchFile(f)} disabled={busy} accept=".csv,.tsv,.json,.jsonl,.txt">
        <div className="use-drop-body">
          <span className="use-drop-icon" aria-hidden>
            ⇪
          </span>
          <span>
            <b>{b ? b.fileName : 'Drop a file to predict'}</b>
            <span className="muted small">{b ? ` · ${b.rows.toLocaleString()} rows — drop another to replace` : ' or click to pick · CSV, TSV, JSON, JSONL, LABEL text'}</span>
          </span>
        </div>
      </FileDrop>
      {fileError && (
        <div className="alert alert-error" role="alert" data-testid="batch-file-error">
          {fileError}
        </div>
      )}
      {b && (
        <>
          {b.notes.length > 0 && <p className="muted small">{b.notes.join(' · ')}</p>}
          <div className="row use-cols">
            <label className="field">
              <span>{pair ? 'First text column' : 'Text column'}</span>
              <select data-testid="batch-text-col" value={b.chosen.text} disabled={busy} onChange={(e) => setBatchColumns({ ...b.chosen, text: e.target.value })}>
                {b.columns.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
            {pair && (
              <label className="field">
                <span>Second text column</span>
                <select
                  data-testid="batch-pair-col"
                  value={b.chosen.textPair ?? ''}
                  disabled={busy}
                  onChange={(e) => setBatchColumns({ ...b.chosen, textPair: e.target.value || undefined })}
                >
                  <option value="">—</option>
                  {b.columns.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              </label>
            )}
            <label className="field">
              <span>Label column (scores the predictions)</span>
              <select data-testid="batch-label-col" value={b.chosen.label ?? ''} disabled={busy} onChange={(e) => setBatchColumns({ ...b.chosen, label: e.target.value || undefined })}>
                <option value="">— none —</option>
                {b.columns.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
            <div className="grow" />
            {busy ? (
              <button type="button" className="btn btn-danger" onClick={cancelBatch} data-testid="batch-cancel">
                Cancel
              </button>
            ) : (
              <button type="button" className="btn btn-primary" data-testid="batch-run" onClick={() => void runBatch()}>
                Predict {b.rows.toLocaleString()} rows
              </button>
            )}
            {done && (
              <button
                type="button"
                className="btn"
                data-testid="batch-download"
                onClick={() => {
                  const f = batchCsvFile();
                  if (f) downloadFile(f);
                }}
              >
                ⤓ Download CSV
              </button>
            )}
          </div>
          {busy && b.progress && (
            <div className="use-progress" data-testid="batch-progress">
              <div className="progress-bar">
                <span style={{ width: `${(frac * 100).toFixed(1)}%` }} />
              </div>
              <div className="progress-meta">
                <span>{b.status === 'encoding' ? 'Encoding texts' : 'Running the head'}</span>
                <span>
                  {b.progress.done.toLocaleString()} / {total.toLocaleString()}
                </span>
              </div>
            </div>
          )}
          {b.error && (
            <div className="alert alert-error" role="alert" data-testid="batch-error">
              {b.error}
            </div>
          )}
          {done && b.counts && (
            <div className="use-counts" data-testid="batch-counts">
              {b.labels.map((l, k) => (
                <span key={l} className="badge badge-accent">
                  {l}: {b.counts![k].toLocaleString()}
                </span>
              ))}
              {b.accuracy && (
                <span className="badge" data-testid="batch-accuracy">
                  accuracy {((100 * b.accuracy.correct) / b.accuracy.total).toFixed(1)}% ({b.accuracy.correct.toLocaleString()} / {b.accuracy.total.toLocaleString()}, column '{b.chosen.label}')
                </span>
              )}
              {b.seconds !== null && <span className="muted small">in {b.seconds.toFixed(1)} s</span>}
            </div>
          )}
          <div className="table-wrap use-preview">
            <table className="table" data-testid="batch-preview">
              <thead>
                <tr>
                  <th>#</th>
                  <th>{pair ? 'Texts' : 'Text'}</th>
                  <th>Predicted</th>
                </tr>
              </thead>
              <tbody>
                {b.preview.map((r, i) => (
                  <tr key={i}>
                    <td className="muted">{i + 1}</td>
                    <td>
                      <div className="use-preview-text" title={r.textPair !== undefined ? `${r.text}\n${r.textPair}` : r.text}>
                        {r.text}
                        {r.textPair !== undefined && <span className="muted"> ‖ {r.textPair}</span>}
                      </div>
                    </td>
                    <td>
                      {r.predicted && done ? (
                        <span className="use-pred">
                          <span className="badge badge-accent">{labelDisplay(r.predicted, r.predictedText)}</span>
                          <span className="muted small">{(r.confidence * 100).toFixed(0)}%</span>
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
