// The Label step: active labelling. Before a session: paste or drop texts (one per line; `label<TAB>text` lines
// count as labelled), name the labels, optionally give label texts for a zero-shot start. During one: the most
// uncertain text, a button per label (keys 1-9), skip (s), undo (u), the learning curve, CSV and head export.
// Design decision: the panel only reads the store and calls label-workflows; keys are read on the window but
// ignored while focus is in a text field, so typing never labels a row.
import { useEffect, useState, type DragEvent } from 'react';
import { answerLabel, discardLabelling, labelledCsv, labelledHead, prepareLabelling, restoreLabelling, skipCurrent, startLabelling, undoLabel } from '../../store/label-workflows';
import { useStudio } from '../../store/store';
import { answers, auditRows, skippedRows, splitAnswers } from '../../train/active/session';
import type { UncertaintyBy } from '../../train/active/uncertainty';
import { downloadFile } from '../download';
import { LearningCurve } from './LearningCurve';
import './label.css';

export function LabelPanel() {
  const session = useStudio((s) => s.labelSession);
  const status = useStudio((s) => s.labelStatus);
  const encoderReady = useStudio((s) => s.encoderStatus === 'ready');
  const error = useStudio((s) => s.labelError);
  useEffect(() => void restoreLabelling(), []);
  // A restored session is prepared (texts encoded, rows ranked) once the encoder is ready.
  useEffect(() => {
    if (session && encoderReady && status === 'idle') void prepareLabelling();
  }, [session, encoderReady, status]);
  return (
    <section className="label-panel" data-testid="label-panel" aria-label="Label">
      <h2>Label</h2>
      <p>Label your own texts, the uncertain ones first: the head retrains every few labels and asks about what it is least sure of.</p>
      {error && (
        <div className="alert alert-error" role="alert" data-testid="label-error">
          {error}
        </div>
      )}
      {session ? <Labelling /> : <StartForm />}
    </section>
  );
}

function StartForm() {
  const [texts, setTexts] = useState('');
  const [labels, setLabels] = useState('');
  const [labelTexts, setLabelTexts] = useState('');
  const [by, setBy] = useState<UncertaintyBy>('margin');
  const [diverse, setDiverse] = useState(false);
  const [every, setEvery] = useState(5);
  const [audit, setAudit] = useState(5);
  const ready = useStudio((s) => s.encoderStatus === 'ready');
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const f = e.dataTransfer.files[0];
    if (f) void f.text().then(setTexts);
  };
  return (
    <div className="label-start" data-testid="label-start">
      <label className="label-field" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        <span>Texts, one per line (drop a text file here); a line <code>label⇥text</code> is already labelled</span>
        <textarea data-testid="label-texts" rows={6} value={texts} onChange={(e) => setTexts(e.target.value)} />
      </label>
      <div className="grid-2">
        <label className="label-field">
          <span>Labels (comma-separated, 2-9)</span>
          <input data-testid="label-names" value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="positive, negative" />
        </label>
        <label className="label-field">
          <span>Label texts for a zero-shot start (optional; one per line, in the labels' order)</span>
          <textarea data-testid="label-label-texts" rows={2} value={labelTexts} onChange={(e) => setLabelTexts(e.target.value)} />
        </label>
      </div>
      <div className="row">
        <label>
          Rank by{' '}
          <select data-testid="label-by" value={by} onChange={(e) => setBy(e.target.value as UncertaintyBy)}>
            <option value="margin">margin (top-2 gap)</option>
            <option value="entropy">entropy</option>
          </select>
        </label>
        <label>
          <input type="checkbox" data-testid="label-diverse" checked={diverse} onChange={(e) => setDiverse(e.target.checked)} /> diverse
        </label>
        <label>
          retrain every{' '}
          <input type="number" min={1} max={50} className="label-every" data-testid="label-every" value={every} onChange={(e) => setEvery(Math.max(1, Math.min(50, Number(e.target.value) || 1)))} /> labels
        </label>
        <label title="Every k-th row asked is drawn at random (not by uncertainty) and kept as dev: scored, never trained on. Lines given with a label are all training rows.">
          a random dev row every{' '}
          <input type="number" min={2} max={50} className="label-every" data-testid="label-audit" value={audit} onChange={(e) => setAudit(Math.max(2, Math.min(50, Number(e.target.value) || 2)))} /> rows asked
        </label>
        <button type="button" className="btn btn-primary" data-testid="label-start-button" disabled={!ready} title={ready ? '' : 'Waiting for the encoder (Model step)'} onClick={() => void startLabelling({ texts, labels, labelTexts, by, diverse, every, audit })}>
          Start labelling
        </button>
      </div>
    </div>
  );
}

function Labelling() {
  const s = useStudio((x) => x.labelSession)!;
  const status = useStudio((x) => x.labelStatus);
  const enc = useStudio((x) => x.labelEncode);
  const row = useStudio((x) => x.labelCurrent);
  const probs = useStudio((x) => x.labelCurrentProbs);
  const ranker = useStudio((x) => x.labelRanker);
  const retraining = useStudio((x) => x.labelRetraining);
  const saving = useStudio((x) => x.labelSaving);
  const [exportError, setExportError] = useState<string | null>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (/^[1-9]$/.test(e.key)) void answerLabel(Number(e.key) - 1);
      else if (e.key === 's') void skipCurrent();
      else if (e.key === 'u') void undoLabel();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const done = answers(s).size;
  const dev = splitAnswers(s).dev.size;
  const devRow = row !== null && auditRows(s).includes(row);
  const skipped = skippedRows(s).size;
  const left = s.texts.length - done - [...skippedRows(s)].filter((r) => !answers(s).has(r)).length;
  const exportHead = () => {
    setExportError(null);
    labelledHead(s).then(downloadFile, (err: unknown) => setExportError(err instanceof Error ? err.message : String(err)));
  };
  return (
    <div className="label-session" data-testid="label-session">
      <div className="row between">
        <span data-testid="label-progress">
          <b>{done}</b> labelled ({done - dev} train, <span data-testid="label-dev-count">{dev}</span> dev) · {skipped} skipped · {left} left · ranked by {ranker === 'probe' ? `the probe (${s.by}${s.diverse ? ', diverse' : ''})` : ranker === 'zero-shot' ? 'the label texts (zero-shot)' : 'file order (label two classes to rank)'}
          {retraining && <span className="muted"> · retraining…</span>}
          {saving && <span className="muted" data-testid="label-saving"> · saving…</span>}
        </span>
        <span className="row">
          <button type="button" className="btn btn-sm" data-testid="label-export-csv" disabled={done === 0} onClick={() => downloadFile(labelledCsv(s))}>⤓ labelled rows (CSV)</button>
          <button type="button" className="btn btn-sm" data-testid="label-export-head" disabled={new Set(splitAnswers(s).train.values()).size < 2} onClick={exportHead}>⤓ head (.safetensors)</button>
          <button type="button" className="btn btn-sm btn-danger" data-testid="label-discard" onClick={() => confirm('Discard this labelling session and its labels?') && void discardLabelling()}>Discard</button>
        </span>
      </div>
      {exportError && <div className="alert alert-error" data-testid="label-export-error">{exportError}</div>}
      {status === 'encoding' && <p data-testid="label-encoding">Encoding texts… {enc ? `${enc.done} / ${enc.total}` : ''}</p>}
      {status === 'ready' && row === null && retraining && <p className="muted" data-testid="label-retraining">Retraining the probe on your labels…</p>}
      {status === 'ready' && row === null && !retraining && <p data-testid="label-done"><b>Every text is labelled or skipped.</b> Export the labelled rows or the head; undo (u) to revisit the last one.</p>}
      {status === 'ready' && row !== null && (
        <div className="label-card" data-testid="label-card" data-row={row}>
          {devRow && <p className="muted small" data-testid="label-dev-row">A random dev row: its label scores the head and never trains it.</p>}
          <p className="label-text" data-testid="label-current-text">{s.texts[row]}</p>
          <div className="row label-buttons">
            {s.labels.map((l, i) => (
              <button key={l} type="button" className="btn" data-testid={`label-button-${i + 1}`} onClick={() => void answerLabel(i)}>
                <kbd>{i + 1}</kbd> {l}
                {probs && <span className="muted small"> {(probs[i] * 100).toFixed(0)}%</span>}
              </button>
            ))}
            <button type="button" className="btn btn-ghost" data-testid="label-skip" onClick={() => void skipCurrent()}><kbd>s</kbd> skip</button>
            <button type="button" className="btn btn-ghost" data-testid="label-undo" disabled={s.log.length === 0} onClick={() => void undoLabel()}><kbd>u</kbd> undo</button>
          </div>
        </div>
      )}
      <LearningCurve />
    </div>
  );
}
