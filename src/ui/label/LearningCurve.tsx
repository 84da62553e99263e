// The labelling session's learning curve: dev accuracy of the probe trained on the first n training labels,
// against n, with its Wilson 95% interval as a band, scored on the dev rows (random audit rows, never trained on;
// src/train/active/dev-score.ts). Below the minimum dev size it says why there is no score instead of a number.
// Design decision: recharts with animation off, like the training charts; one point per retrain, no decimation.
import { Area, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useStudio } from '../../store/store';

const pct = (x: number) => +(x * 100).toFixed(1);

export function LearningCurve() {
  const curve = useStudio((s) => s.labelCurve);
  const points = curve?.points ?? [];
  const data = points.map((p) => ({ labels: p.train, accuracy: pct(p.accuracy), band: [pct(p.low), pct(p.high)], macroF1: pct(p.macroF1) }));
  const last = points.at(-1);
  return (
    <div className="label-curve" data-testid="label-curve" data-points={data.length}>
      <div className="muted small">
        Dev accuracy (band: 95% Wilson interval) and macro-F1 against the number of training labels, on {curve?.dev ?? 0} dev rows drawn at random
      </div>
      {last && (
        <p className="small" data-testid="label-dev-score">
          dev accuracy <b>{pct(last.accuracy)}%</b> (95% interval {pct(last.low)}–{pct(last.high)}%), macro-F1 {pct(last.macroF1)}, n={last.dev} dev rows, {last.train} training labels
        </p>
      )}
      {curve?.why && (
        <p className="muted small" data-testid="label-dev-why">
          {curve.why}
        </p>
      )}
      {data.length > 0 && (
        <ResponsiveContainer width="100%" height={180} minWidth={0}>
          <ComposedChart data={data} margin={{ top: 6, right: 10, bottom: 0, left: -12 }}>
            <CartesianGrid stroke="#e5e7eb" />
            <XAxis dataKey="labels" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} />
            <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} />
            <Tooltip labelFormatter={(l) => `${l} training labels`} />
            <Area dataKey="band" name="95% interval" stroke="none" fill="#c7d2fe" isAnimationActive={false} />
            <Line dataKey="accuracy" name="dev accuracy %" stroke="#4f46e5" dot={data.length < 30} isAnimationActive={false} />
            <Line dataKey="macroF1" name="dev macro-F1" stroke="#10b981" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
