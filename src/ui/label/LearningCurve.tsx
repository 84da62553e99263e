// The labelling session's learning curve: the accuracy of the head's guesses (each made before its row was
// labelled: a held-out score without a dev split) over the last 20 labelled rows, against the number of labels.
// Design decision: recharts with animation off, like the training charts; the series is at most one point per
// `every` labels, so it needs no decimation.
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { sessionCurve, type LabelSession } from '../../train/active/session';

export function LearningCurve({ session }: { session: LabelSession }) {
  const data = sessionCurve(session).map((p) => ({ labels: p.labels, accuracy: +(p.accuracy * 100).toFixed(1), guesses: p.guesses }));
  return (
    <div className="label-curve" data-testid="label-curve" data-points={data.length}>
      <div className="muted small">Accuracy of the head's guess on the last 20 rows, each guessed before you labelled it (the rows asked are the hard ones, so this understates accuracy)</div>
      {data.length === 0 ? (
        <p className="muted small">The curve starts once the head guesses (after labels of two classes, or from label texts).</p>
      ) : (
        <ResponsiveContainer width="100%" height={180} minWidth={0}>
          <LineChart data={data} margin={{ top: 6, right: 10, bottom: 0, left: -12 }}>
            <CartesianGrid stroke="#e5e7eb" />
            <XAxis dataKey="labels" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} />
            <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} />
            <Tooltip formatter={(v) => `${v}%`} labelFormatter={(l) => `${l} labels`} />
            <Line dataKey="accuracy" stroke="#4f46e5" dot={data.length < 30} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
