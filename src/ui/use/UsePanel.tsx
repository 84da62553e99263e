// The Use step: the active head (trained or imported) at a glance with its export buttons, the playground,
// batch prediction, and head import. Before any head exists it says how to get one and offers the import, and
// the last head kept in the run history (after a reload: the head trained before it).
// Design decision: the panel only reads the store and calls use-workflows; every message comes from there.
import { useStudio } from '../../store/store';
import { lastKeptRun, useHistoryHead } from '../../store/use-workflows';
import type { ActiveHeadInfo } from '../../store/active-head';
import { BatchPredict } from './BatchPredict';
import { ExportButtons, ImportDrop } from './HeadFiles';
import { Playground } from './Playground';
import { headInfo } from '../train/format';
import './use.css';

export function UsePanel() {
  const head = useStudio((s) => s.activeHead);
  const last = useStudio((s) => lastKeptRun(s.history));
  const busy = useStudio((s) => s.useHeadBusy);
  const useError = useStudio((s) => s.useHeadError);
  return (
    <section className="use-panel" data-testid="use-panel" aria-label="Use">
      <h2>Use</h2>
      {!head ? (
        <>
          <p>Try the trained head on your own texts, predict a whole file, export it — or import a head you trained before.</p>
          <div className="use-empty" data-testid="use-empty">
            {last ? (
              <div className="use-last" data-testid="use-last">
                <p>
                  <b>Your last head</b> is kept in History: {last.head} on {last.dataset.name}
                  {last.best ? `, dev accuracy ${(last.best.accuracy * 100).toFixed(1)}%` : ''}
                  {last.weights?.of === 'checkpoint' ? ' (best checkpoint)' : ''}.
                </p>
                <button type="button" className="btn btn-primary" data-testid="use-last-head" data-run-id={last.id} disabled={busy !== null} onClick={() => void useHistoryHead(last.id)}>
                  {busy === last.id ? 'Loading…' : 'Use this head'}
                </button>
                {useError?.id === last.id && (
                  <div className="alert alert-error" role="alert" data-testid="use-last-error">
                    {useError.message}
                  </div>
                )}
                <p className="muted">Or train a new one in the Train step, or import a .safetensors head:</p>
              </div>
            ) : (
              <p>
                <b>No head yet.</b> <span className="muted">Train one in the Train step, or import a .safetensors head:</span>
              </p>
            )}
            <ImportDrop />
          </div>
        </>
      ) : (
        <>
          <p>Try the head on your own texts, predict a whole file, or take the head with you.</p>
          <HeadSummary head={head} />
          <div className="grid-2 use-grid">
            <Playground head={head} />
            <BatchPredict head={head} />
          </div>
          <ImportDrop compact />
        </>
      )}
    </section>
  );
}

function HeadSummary({ head }: { head: ActiveHeadInfo }) {
  const m = head.meta.metrics;
  const acc = Number.isFinite(m.accuracy) ? `${(m.accuracy * 100).toFixed(1)}%` : '—';
  const f1 = Number.isFinite(m.macroF1) ? `${(m.macroF1 * 100).toFixed(1)}` : '—';
  const labels = head.meta.labels;
  return (
    <div className="use-head" data-testid="active-head" data-head-id={head.id}>
      <div className="use-head-main">
        <div className="row">
          <span className="use-head-title">{headInfo(head.kind).title}</span>
          <span className={`badge ${head.source === 'trained' ? 'badge-ok' : 'badge-accent'}`}>{head.source === 'trained' ? 'trained here' : 'imported'}</span>
          {head.meta.tokenizer.pair !== 'none' && <span className="badge">sentence pairs</span>}
        </div>
        <div className="use-head-facts">
          <span>
            <b>{labels.length}</b> labels: {labels.slice(0, 8).join(', ')}
            {labels.length > 8 ? ', …' : ''}
          </span>
          <span>
            dev accuracy <b>{acc}</b> · macro-F1 <b>{f1}</b>
          </span>
          <span>
            encoder <b>{head.meta.encoder.name}</b> <code title={head.meta.encoder.hash}>{head.meta.encoder.hash.slice(0, 8)}</code>
          </span>
          {head.source === 'imported' && <span className="muted">{head.id.replace(/^imported:/, '')}</span>}
        </div>
      </div>
      <ExportButtons />
    </div>
  );
}
