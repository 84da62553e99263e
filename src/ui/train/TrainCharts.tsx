// Live training charts: train + dev loss, dev accuracy + macro-F1, and throughput, from the run record the train
// workflow republishes a few times a second. Design decision: every series decimated to at most MAX_POINTS bucket
// means, each chart's series rebuilt only when its own input grew (the dev charts change once per evaluation, not
// at every republish), drawn by ./LiveChart.tsx (plain SVG) so a redraw costs the page a few milliseconds.
// Colours are literal hex values: SVG presentation attributes do not resolve CSS var().
import { useMemo } from 'react';
import type { RunRecord } from '../../store/run-record';
import { decimate } from '../../train/decimate';
import { LiveChart, type LiveSeries } from './LiveChart';

const MAX_POINTS = 240;

export function TrainCharts({ run }: { run: RunRecord }) {
  const { steps, evals } = run;
  // Keyed by length: the record is republished as a copy, but its series only ever grow.
  const nSteps = steps.length;
  const nEvals = evals.length;
  const loss = useMemo<LiveSeries[]>(
    () => [
      { key: 'train', name: 'train', color: '#4f46e5', points: decimate(steps.map((s) => ({ x: s.step, y: s.loss })), MAX_POINTS) },
      { key: 'dev', name: 'dev', color: '#f97316', dots: true, points: evals.map((e) => ({ x: e.step, y: e.loss })) },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [run.id, nSteps, nEvals],
  );
  const acc = useMemo<LiveSeries[]>(
    () => [
      { key: 'accuracy', name: 'accuracy', color: '#10b981', dots: true, points: evals.map((e) => ({ x: e.step, y: e.metrics.accuracy * 100 })) },
      { key: 'macroF1', name: 'macro-F1', color: '#e11d48', dots: true, points: evals.map((e) => ({ x: e.step, y: e.metrics.macroF1 * 100 })) },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [run.id, nEvals],
  );
  const speed = useMemo<LiveSeries[]>(
    () => [{ key: 'speed', name: 'examples/s', color: '#0ea5e9', points: decimate(steps.map((s) => ({ x: s.step, y: s.examplesPerSecond })), MAX_POINTS) }],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [run.id, nSteps],
  );
  return (
    <div className="train-charts">
      <LiveChart title="Loss" testId="chart-loss" series={loss} />
      <LiveChart title="Dev accuracy" testId="chart-accuracy" series={acc} unit="%" domain={[0, 100]} />
      <LiveChart title="Throughput (examples/s)" testId="chart-speed" series={speed} domain={[0, 'auto']} />
    </div>
  );
}
