// Results: how far the head's dev probabilities can be trusted — temperature scaling fitted on the dev logits
// (src/train/calibration.ts), the expected calibration error before and after, and a reliability diagram
// (recharts: accuracy per confidence bin against the diagonal), plus a per-label precision / recall / F1 chart.
// Design decision: derived from the train slice's dev logits on render (memoised; a few thousand rows cost
// milliseconds), so it needs no new state in the store and shows for every run that has dev logits.
import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { calibrate, type CalTargets, type ProbKind } from '../../train/calibration';
import type { Metrics } from '../../train/metrics';
import { pct } from './format';

/** `kind` 'sigmoid' (multi-label): `targets` are label lists and every (text, label) probability is binned. */
export function CalibrationCard({ logits, targets, L, kind = 'softmax' }: { logits: readonly number[]; targets: CalTargets; L: number; kind?: ProbKind }) {
  const cal = useMemo(() => (targets.length ? calibrate(logits, targets, L, kind) : null), [logits, targets, L, kind]);
  if (!cal) return null;
  const data = cal.binsBefore.map((b, i) => ({
    bin: `${Math.round(b.lo * 100)}-${Math.round(b.hi * 100)}`,
    mid: (b.lo + b.hi) / 2,
    before: b.count ? b.accuracy : null,
    after: cal.binsAfter[i].count ? cal.binsAfter[i].accuracy : null,
  }));
  return (
    <div className="calibration-card" data-testid="calibration-card">
      <h3>Calibration</h3>
      <p className="muted small">
        Temperature <strong data-testid="calibration-temperature">{cal.temperature.toFixed(3)}</strong> fitted on dev: expected calibration error{' '}
        <strong data-testid="calibration-ece">
          {pct(cal.eceBefore)} → {pct(cal.eceAfter)}
        </strong>{' '}
        (the predicted labels do not change). A calibrated head is right about as often as it says: the lines follow the diagonal.
      </p>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="mid" type="number" domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(1)} label={{ value: 'confidence', position: 'insideBottom', offset: -2 }} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(1)} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v) : String(v))} labelFormatter={(v) => `confidence ${Number(v).toFixed(2)}`} />
          <Legend />
          <Line isAnimationActive={false} dataKey="mid" name="perfect" stroke="#999" strokeDasharray="4 4" dot={false} />
          <Line isAnimationActive={false} dataKey="before" name="before" stroke="#d9822b" connectNulls />
          <Line isAnimationActive={false} dataKey="after" name={`after (T ${cal.temperature.toFixed(2)})`} stroke="#2b6cb0" connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function PerLabelChart({ labels, metrics }: { labels: readonly string[]; metrics: Metrics }) {
  // The support goes in the axis label ("fear (12)"): how much each bar can be trusted.
  const data = labels.map((l, k) => ({ label: `${l} (${metrics.perClass[k].support})`, precision: metrics.perClass[k].precision, recall: metrics.perClass[k].recall, f1: metrics.perClass[k].f1, support: metrics.perClass[k].support }));
  return (
    <div className="per-label-chart" data-testid="per-label-chart">
      <h3>Per label</h3>
      <ResponsiveContainer width="100%" height={Math.max(160, 28 * labels.length + 60)}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 12, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(1)} />
          <YAxis type="category" dataKey="label" width={110} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v) : String(v))} />
          <Legend />
          <Bar isAnimationActive={false} dataKey="precision" fill="#6b8fd6" />
          <Bar isAnimationActive={false} dataKey="recall" fill="#e0a54a" />
          <Bar isAnimationActive={false} dataKey="f1" name="F1" fill="#4aa37a" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
