// Results of a multi-label run (issue 13): micro and macro F1, subset accuracy, Hamming loss, and per label the
// precision / recall / F1 with support and the threshold tuned on dev — as a chart (shown open: it is where a
// user looks) and a table — then the calibration card over the sigmoid probabilities.
// Design decision: a multi-label run has no confusion matrix or argmax mistakes (a row may carry several labels),
// so ResultsPanel hands the whole body to this component instead of mixing the two views.
import type { Metrics } from '../../train/metrics';
import { CalibrationCard, PerLabelChart } from './CalibrationCard';
import { pct } from './format';

export function MultiLabelResults({ labels, metrics, logits, targetSets }: { labels: readonly string[]; metrics: Metrics; logits: readonly number[] | null; targetSets: readonly number[][] | null }) {
  const ml = metrics.multiLabel!;
  const stats: [string, string, string, string][] = [
    ['result-micro-f1', pct(ml.microF1), 'micro-F1', 'F1 over every (text, label) decision pooled.'],
    ['result-macro-f1', pct(metrics.macroF1), 'macro-F1', 'The mean of the per-label F1: every label counts the same.'],
    ['result-subset-accuracy', pct(ml.subsetAccuracy), 'subset accuracy', 'Texts whose whole predicted label set is exactly right.'],
    ['result-hamming-loss', ml.hammingLoss.toFixed(4), 'Hamming loss', 'Wrong (text, label) decisions over all of them: lower is better.'],
  ];
  return (
    <div data-testid="multilabel-results">
      <div className="results-stats">
        {stats.map(([id, v, name, title]) => (
          <div className="stat" key={id} title={title}>
            <span className="stat-value" data-testid={id}>
              {v}
            </span>
            <span className="stat-label">{name}</span>
          </div>
        ))}
      </div>
      <div className="results-grid">
        <PerLabelChart labels={labels} metrics={metrics} />
        <div>
          <h3>Per label</h3>
          <table className="class-table" data-testid="per-label-table">
            <thead>
              <tr>
                <th>label</th>
                <th>precision</th>
                <th>recall</th>
                <th>F1</th>
                <th>support</th>
                <th title="Predicted when its probability reaches this (tuned on dev for best F1).">threshold</th>
              </tr>
            </thead>
            <tbody>
              {labels.map((l, k) => (
                <tr key={l} data-label={l}>
                  <td>{l}</td>
                  <td>{pct(metrics.perClass[k].precision)}</td>
                  <td>{pct(metrics.perClass[k].recall)}</td>
                  <td>{pct(metrics.perClass[k].f1)}</td>
                  <td>{metrics.perClass[k].support}</td>
                  <td>{ml.thresholds[k]?.toFixed(2) ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">Support: dev texts that carry the label. Thresholds are on uncalibrated probabilities here; the exported head stores them at its fitted temperature (the same decisions).</p>
        </div>
      </div>
      {logits && targetSets ? <CalibrationCard logits={logits} targets={targetSets} L={labels.length} kind="sigmoid" /> : null}
    </div>
  );
}
