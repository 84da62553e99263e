// The Results step: how the head a run ended with does on dev — headline metrics, per-class precision / recall /
// F1, a heat-mapped confusion matrix (click a cell to read its examples) and the misclassified dev examples,
// most confident mistakes first, paged. Design decision: everything is derived from the train slice's `results`
// (dev logits of the active head) with pure helpers from src/train; a run that lost its device and has no logits
// still shows its best checkpoint's metrics and confusion matrix from the run record.
import { useMemo, useState, type ReactNode } from 'react';
import { useStudio } from '../../store/store';
import { misclassified, predictions } from '../../train/inspect';
import { majorityClass, type Metrics } from '../../train/metrics';
import { headInfo, labelsShown, pct } from './format';
import { CalibrationCard, PerLabelChart } from './CalibrationCard';
import { MultiLabelResults } from './MultiLabelResults';
import './train.css';

/**
 * A folded section whose children mount only once it is opened: the two charts below cost a main-thread task
 * of ~100 ms on a CPU box when a run finishes (recharts), which the page should not pay unless asked.
 */
function MountWhenOpen({ summary, testId, children }: { summary: string; testId: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details data-testid={testId} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open && children}
    </details>
  );
}

const PAGE = 8;
/** Confusion matrices larger than this show the most frequent labels only. */
const MAX_MATRIX = 20;

function ClassTable({ labels, metrics }: { labels: string[]; metrics: Metrics }) {
  // Label order, as the confusion matrix.
  const order = labels.map((_, i) => i);
  const bar = (x: number) => (
    <span className="metric-cell">
      <span className="metric-bar" style={{ width: `${(x * 100).toFixed(1)}%` }} />
      <span className="metric-num">{x.toFixed(3)}</span>
    </span>
  );
  return (
    <div className="table-wrap">
      <table className="table class-table" data-testid="class-metrics">
        <thead>
          <tr>
            <th>label</th>
            <th>precision</th>
            <th>recall</th>
            <th>F1</th>
            <th className="num">support</th>
          </tr>
        </thead>
        <tbody>
          {order.map((i) => {
            const c = metrics.perClass[i];
            return (
              <tr key={i}>
                <td className="label-cell" title={labels[i]}>{labels[i]}</td>
                <td>{bar(c.precision)}</td>
                <td>{bar(c.recall)}</td>
                <td>{bar(c.f1)}</td>
                <td className="num">{c.support}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ConfusionMatrix({ labels, confusion, selected, onSelect }: {
  labels: string[];
  confusion: number[][];
  selected: [number, number] | null;
  onSelect: (cell: [number, number] | null) => void;
}) {
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const shown = labels.map((_, i) => i).sort((a, b) => support[b] - support[a] || a - b).slice(0, MAX_MATRIX).sort((a, b) => a - b);
  return (
    <div className="confusion-wrap">
      <div className="confusion" data-testid="confusion-matrix" style={{ gridTemplateColumns: `minmax(4rem, max-content) repeat(${shown.length}, minmax(2.6rem, 1fr))` }}>
        <div className="cm-corner small muted">true ↓ · predicted →</div>
        {shown.map((p) => (
          <div key={`h${p}`} className="cm-head" title={labels[p]}>{labels[p]}</div>
        ))}
        {shown.map((t) => (
          <div key={`r${t}`} className="cm-row" style={{ display: 'contents' }}>
            <div className="cm-head cm-rowhead" title={labels[t]}>{labels[t]}</div>
            {shown.map((p) => {
              const n = confusion[t][p];
              const f = support[t] ? n / support[t] : 0;
              const diag = t === p;
              const isSel = selected?.[0] === t && selected?.[1] === p;
              return (
                <button
                  key={p}
                  className={`cm-cell${diag ? ' diag' : ''}${isSel ? ' selected' : ''}`}
                  data-testid="cm-cell"
                  style={{ ['--f' as string]: f.toFixed(3) }}
                  title={`${n} of ${support[t]} “${labels[t]}” examples predicted “${labels[p]}” (${pct(f)})`}
                  disabled={diag || n === 0}
                  onClick={() => onSelect(isSel ? null : [t, p])}
                >
                  <span className="cm-n">{n}</span>
                  <span className="cm-f">{pct(f, 0)}</span>
                </button>
              );
            })}
          </div>
        ))}
      </div>
      {shown.length < labels.length && <p className="muted small">The {MAX_MATRIX} most frequent of {labels.length} labels.</p>}
      <p className="muted small">Rows are true labels, columns predictions; colour is the share of the row. Click a wrong cell to read its examples.</p>
    </div>
  );
}

function Mistakes({ filter, onClear, shown }: { filter: [number, number] | null; onClear: () => void; shown: string[] }) {
  const results = useStudio((s) => s.results)!;
  const [page, setPage] = useState(0);
  const all = useMemo(() => misclassified(predictions(results.logits, results.targets, results.labels.length)), [results]);
  const list = filter ? all.filter((m) => m.truth === filter[0] && m.predicted === filter[1]) : all;
  const pages = Math.max(1, Math.ceil(list.length / PAGE));
  const p = Math.min(page, pages - 1);
  const L = shown;
  return (
    <div className="mistakes" data-testid="mistakes">
      <div className="row between">
        <h3>
          Misclassified dev examples <span className="badge">{list.length}</span>
          {filter && (
            <button className="btn-ghost btn-sm" onClick={onClear}>
              “{L[filter[0]]}” → “{L[filter[1]]}” ✕
            </button>
          )}
        </h3>
        {pages > 1 && (
          <div className="row pager">
            <button className="btn-sm" disabled={p === 0} onClick={() => setPage(p - 1)}>
              ‹ Prev
            </button>
            <span className="small muted" data-testid="mistakes-page">
              page {p + 1} of {pages}
            </span>
            <button className="btn-sm" data-testid="mistakes-next" disabled={p >= pages - 1} onClick={() => setPage(p + 1)}>
              Next ›
            </button>
          </div>
        )}
      </div>
      {list.length === 0 ? (
        <p className="muted">No mistakes{filter ? ' in this cell' : ' on dev'}.</p>
      ) : (
        <ul className="mistake-list">
          {list.slice(p * PAGE, (p + 1) * PAGE).map((m) => (
            <li key={m.index} className="mistake" data-testid="mistake">
              <div className="mistake-text">
                {results.texts[m.index]}
                {results.textPairs[m.index] !== null && <span className="mistake-pair"> ‖ {results.textPairs[m.index]}</span>}
              </div>
              <div className="mistake-meta">
                <span className="badge badge-ok" title="true label">true: {L[m.truth]}</span>
                <span className="badge badge-bad" title="predicted label">predicted: {L[m.predicted]}</span>
                <span className="confidence" title="softmax probability of the prediction">
                  <span className="confidence-bar" style={{ width: `${(m.confidence * 100).toFixed(0)}%` }} />
                  <span>{pct(m.confidence, 0)} sure</span>
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ResultsPanel() {
  const results = useStudio((s) => s.results);
  const run = useStudio((s) => s.run);
  const [cell, setCell] = useState<[number, number] | null>(null);
  const finished = run && run.stoppedBy !== 'running' ? run : null;
  const metrics = results && finished?.id === results.runId ? results.metrics : finished?.best ?? null;
  if (!finished || !metrics) return null;
  // Label texts over raw names ("a positive review (1)"), in label order everywhere.
  const labels = labelsShown(finished.labels, finished.labelTexts);
  const bestEval = finished.evals.reduce<(typeof finished.evals)[number] | null>((b, e) => (!b || e.metrics.accuracy > b.metrics.accuracy ? e : b), null);
  return (
    <section className="results-panel" data-testid="results-panel">
      <h2>
        Results <span className="badge">{headInfo(finished.head).title}</span>
        {finished.stoppedBy === 'device-lost' && <span className="badge badge-bad">device lost</span>}
      </h2>
      <p className="card-sub">
        The kept checkpoint{bestEval ? ` (epoch ${bestEval.epoch + 1})` : ''} on {metrics.n.toLocaleString()} dev examples of {finished.dataset.name}.
      </p>
      {metrics.multiLabel ? (
        <MultiLabelResults labels={labels} metrics={metrics} logits={results && results.runId === finished.id ? results.logits : null} targetSets={results && results.runId === finished.id ? (results.targetSets ?? null) : null} />
      ) : (
        <SingleLabelResults labels={labels} metrics={metrics} cell={cell} setCell={setCell} />
      )}
    </section>
  );
}

function SingleLabelResults({ labels, metrics, cell, setCell }: { labels: string[]; metrics: Metrics; cell: [number, number] | null; setCell: (c: [number, number] | null) => void }) {
  const results = useStudio((s) => s.results);
  const finished = useStudio((s) => s.run)!;
  const zeroShot = useStudio.getState().zeroShot;
  const majority = majorityClass(labels, metrics.confusion);
  return (
    <>
      <div className="results-stats">
        <div className="stat">
          <span className="stat-value" data-testid="result-accuracy">{pct(metrics.accuracy)}</span>
          <span className="stat-label">dev accuracy</span>
        </div>
        <div className="stat">
          <span className="stat-value">{pct(metrics.macroF1)}</span>
          <span className="stat-label">macro-F1</span>
        </div>
        {metrics.balancedAccuracy !== undefined && (
          <div className="stat" title="Mean recall over the labels: accuracy that every label counts for equally (imbalanced data).">
            <span className="stat-value" data-testid="result-balanced-accuracy">{pct(metrics.balancedAccuracy)}</span>
            <span className="stat-label">balanced accuracy</span>
          </div>
        )}
        <div className="stat" title="The accuracy of always answering the most frequent dev label: a model must beat it.">
          <span className="stat-value" data-testid="majority-rate">
            {pct(majority.rate)}
          </span>
          <span className="stat-label">majority class ({majority.label})</span>
        </div>
        {zeroShot && (
          <div className="stat">
            <span className="stat-value">{pct(zeroShot.accuracy)}</span>
            <span className="stat-label">zero-shot</span>
          </div>
        )}
      </div>
      <div className="results-grid">
        <div>
          <h3>Per class</h3>
          <ClassTable labels={labels} metrics={metrics} />
        </div>
        <div>
          <h3>Confusion matrix</h3>
          <ConfusionMatrix labels={labels} confusion={metrics.confusion} selected={cell} onSelect={setCell} />
        </div>
      </div>
      <MountWhenOpen summary="Per-label scores and calibration" testId="results-more">
        <div className="results-grid">
          <PerLabelChart labels={labels} metrics={metrics} />
          {results && results.runId === finished.id && <CalibrationCard logits={results.logits} targets={results.targets} L={labels.length} />}
        </div>
      </MountWhenOpen>
      {results && results.runId === finished.id ? (
        <Mistakes key={cell ? cell.join(",") : "all"} filter={cell} onClear={() => setCell(null)} shown={labels} />
      ) : (
        <p className="muted small">The dev predictions of this run are not available (its GPU device was lost before they were read).</p>
      )}
    </>
  );
}
