// Export the active head (.safetensors, head-only ONNX, and encoder + head as one ONNX model; a button that
// cannot run now is disabled with the reason) and import a .safetensors head (drop or pick). A refused import
// says why and keeps the current head.
import { useStudio } from '../../store/store';
import type { ExportKind } from '../../store/use-slice';
import { exportActiveHead, exportUnavailable, importHeadFile } from '../../store/use-workflows';
import { downloadFile } from '../download';
import { FileDrop } from './FileDrop';

const EXPORTS: { kind: ExportKind; label: string; hint: string }[] = [
  { kind: 'safetensors', label: '.safetensors', hint: 'The head alone: import it here again, or use it with `labeltune predict`.' },
  { kind: 'head-onnx', label: 'Head ONNX', hint: 'The head as an ONNX model over encoder features.' },
  { kind: 'combined-onnx', label: 'Combined ONNX', hint: 'Encoder + head in one ONNX model: text in, labels out.' },
];

export function ExportButtons() {
  const active = useStudio((s) => s.activeHead);
  const busy = useStudio((s) => s.exportBusy);
  const error = useStudio((s) => s.exportError);
  const notice = useStudio((s) => s.exportNotice);
  return (
    <div className="use-export" data-testid="export">
      <div className="row">
        <span className="use-group-label">Export</span>
        {EXPORTS.map((x) => {
          const why = exportUnavailable(x.kind);
          return (
            <button
              key={x.kind}
              type="button"
              className={`btn btn-sm ${x.kind === 'safetensors' ? 'btn-primary' : ''}`}
              data-testid={`export-${x.kind}`}
              disabled={!active || busy !== null || why !== null}
              title={why ?? x.hint}
              onClick={() => void exportActiveHead(x.kind).then((f) => f && downloadFile(f))}
            >
              {busy === x.kind ? <span className="spinner" aria-hidden /> : '⤓'} {x.label}
            </button>
          );
        })}
      </div>
      {exportUnavailable('combined-onnx') && (
        <p className="muted small use-export-why" data-testid="export-onnx-why">
          {exportUnavailable('combined-onnx')}
        </p>
      )}
      {error && (
        <div className="alert alert-error" role="alert" data-testid="export-error">
          {error}
        </div>
      )}
      {notice && (
        <p className="small use-ok" data-testid="export-notice">
          ✓ {notice}
        </p>
      )}
    </div>
  );
}

export function ImportDrop({ compact }: { compact?: boolean }) {
  const busy = useStudio((s) => s.importBusy);
  const error = useStudio((s) => s.importError);
  const notice = useStudio((s) => s.importNotice);
  return (
    <div className="use-import" data-testid="import">
      <FileDrop testId="import-drop" accept=".safetensors" disabled={busy} onFile={(f) => void importHeadFile(f)} className={compact ? 'compact' : ''}>
        <div className="use-drop-body">
          <span className="use-drop-icon" aria-hidden>
            {busy ? <span className="spinner" /> : '⇪'}
          </span>
          <span>
            <b>Import a head</b>
            <span className="muted small"> · drop a .safetensors file exported by LabelTune, or click to pick</span>
          </span>
        </div>
      </FileDrop>
      {error && (
        <div className="alert alert-error" role="alert" data-testid="import-error">
          {error}
        </div>
      )}
      {notice && (
        <p className="small use-ok" data-testid="import-notice">
          ✓ {notice}
        </p>
      )}
    </div>
  );
}
