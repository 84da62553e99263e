// Live training charts: train + dev loss, dev accuracy + macro-F1, and throughput, from the run record the train
// workflow republishes a few times a second. Design decision: recharts with animation off and every series
// decimated to at most MAX_POINTS bucket means, so a long run draws as fast as a short one. Colours are literal
// hex values: SVG presentation attributes (recharts' stroke=) do not resolve CSS var(), a line drawn with one is invisible.
import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunRecord } from '../../store/run-record';
import { decimate } from '../../train/decimate';

const MAX_POINTS = 240;

interface Row {
  step: number;
  [series: string]: number | undefined;
}

/** Merge several {x, y} series into recharts rows keyed by step. */
function rows(series: Record<string, { x: number; y: number }[]>): Row[] {
  const byStep = new Map<number, Row>();
  for (const [name, pts] of Object.entries(series)) {
    for (const p of pts) {
      const r = byStep.get(p.x) ?? { step: p.x };
      r[name] = p.y;
      byStep.set(p.x, r);
    }
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function Chart({ title, testId, data, lines, unit, domain, points }: {
  title: string;
  testId: string;
  data: Row[];
  lines: { key: string; name: string; color: string; dots?: boolean }[];
  unit?: string;
  domain?: [number | string, number | string];
  points: number;
}) {
  return (
    <figure className="train-chart" data-testid={testId} data-points={points}>
      <figcaption>{title}</figcaption>
      <div className="train-chart-box">
        {data.length === 0 ? (
          <div className="train-chart-empty muted small">waiting for the first points…</div>
        ) : (
          <ResponsiveContainer width="100%" height={222} minWidth={0}>
            <LineChart data={data} margin={{ top: 6, right: 10, bottom: 0, left: -12 }}>
              <CartesianGrid stroke="#e2e6ef" strokeDasharray="3 3" />
              <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} allowDecimals={false} />
              <YAxis tick={{ fontSize: 11 }} domain={domain ?? ['auto', 'auto']} unit={unit} width={52} tickFormatter={(v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2))} />
              <Tooltip isAnimationActive={false} formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(s) => `step ${s}`} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {lines.map((l) => (
                <Line
                  key={l.key}
                  type="linear"
                  dataKey={l.key}
                  name={l.name}
                  stroke={l.color}
                  strokeWidth={2}
                  dot={l.dots ? { r: 3 } : false}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </figure>
  );
}

export function TrainCharts({ run }: { run: RunRecord }) {
  const charts = useMemo(() => {
    const trainLoss = decimate(run.steps.map((s) => ({ x: s.step, y: s.loss })), MAX_POINTS);
    const devLoss = run.evals.map((e) => ({ x: e.step, y: e.loss }));
    const acc = run.evals.map((e) => ({ x: e.step, y: e.metrics.accuracy * 100 }));
    const f1 = run.evals.map((e) => ({ x: e.step, y: e.metrics.macroF1 * 100 }));
    const speed = decimate(run.steps.map((s) => ({ x: s.step, y: s.examplesPerSecond })), MAX_POINTS);
    return {
      loss: { data: rows({ train: trainLoss, dev: devLoss }), points: trainLoss.length + devLoss.length },
      acc: { data: rows({ accuracy: acc, macroF1: f1 }), points: acc.length },
      speed: { data: rows({ speed }), points: speed.length },
    };
  }, [run]);
  return (
    <div className="train-charts">
      <Chart
        title="Loss"
        testId="chart-loss"
        data={charts.loss.data}
        points={charts.loss.points}
        lines={[
          { key: 'train', name: 'train', color: '#4f46e5' },
          { key: 'dev', name: 'dev', color: '#f97316', dots: true },
        ]}
      />
      <Chart
        title="Dev accuracy"
        testId="chart-accuracy"
        data={charts.acc.data}
        points={charts.acc.points}
        unit="%"
        domain={[0, 100]}
        lines={[
          { key: 'accuracy', name: 'accuracy', color: '#10b981', dots: true },
          { key: 'macroF1', name: 'macro-F1', color: '#e11d48', dots: true },
        ]}
      />
      <Chart
        title="Throughput (examples/s)"
        testId="chart-speed"
        data={charts.speed.data}
        points={charts.speed.points}
        domain={[0, 'auto']}
        lines={[{ key: 'speed', name: 'examples/s', color: '#0ea5e9' }]}
      />
    </div>
  );
}
