// Side-by-side comparison of two or more stored runs: dev accuracy per epoch and training loss per step
// overlaid (recharts, no animation, bucket-mean decimated), and a metrics table.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { decimate } from '../../train/decimate';
import type { RunRecord } from '../../store/run-record';

const COLORS = ['var(--chart-1, #4f46e5)', 'var(--chart-2, #f97316)', 'var(--chart-3, #10b981)', 'var(--chart-4, #e11d48)', 'var(--chart-5, #0ea5e9)', 'var(--chart-6, #a855f7)'];
const MAX_POINTS = 200;

/** Short legend name of a run: "sst2 · ytuning #2". */
function runName(r: RunRecord, i: number): string {
  return `${r.dataset.name} · ${r.head} #${i + 1}`;
}

export function RunCompare({ runs }: { runs: RunRecord[] }) {
  const acc = runs.map((r) => r.evals.map((e) => ({ x: e.epoch + 1, y: e.metrics.accuracy * 100 })));
  const loss = runs.map((r) => decimate(r.steps.map((s) => ({ x: s.step, y: s.loss })), MAX_POINTS));
  return (
    <div className="history-compare" data-testid="history-compare">
      <div className="grid-2">
        <div className="use-card chart-card">
          <h3>Dev accuracy (%) by epoch</h3>
          <ResponsiveContainer width="100%" height={220}>
            <LineChart margin={{ top: 8, right: 16, bottom: 4, left: -8 }}>
              <CartesianGrid stroke="var(--border, #e2e6ef)" strokeDasharray="3 3" />
              <XAxis type="number" dataKey="x" domain={[1, 'dataMax']} allowDecimals={false} tick={{ fontSize: 12 }} />
              <YAxis type="number" domain={['auto', 'auto']} tick={{ fontSize: 12 }} width={44} />
              <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(1) : String(v))} labelFormatter={(x) => `epoch ${x}`} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {runs.map((r, i) => (
                <Line key={r.id} data={acc[i]} dataKey="y" name={runName(r, i)} stroke={COLORS[i % COLORS.length]} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
        <div className="use-card chart-card">
          <h3>Training loss by step</h3>
          <ResponsiveContainer width="100%" height={220}>
            <LineChart margin={{ top: 8, right: 16, bottom: 4, left: -8 }}>
              <CartesianGrid stroke="var(--border, #e2e6ef)" strokeDasharray="3 3" />
              <XAxis type="number" dataKey="x" domain={[0, 'dataMax']} tick={{ fontSize: 12 }} />
              <YAxis type="number" domain={[0, 'auto']} tick={{ fontSize: 12 }} width={44} />
              <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} labelFormatter={(x) => `step ${x}`} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {runs.map((r, i) => (
                <Line key={r.id} data={loss[i]} dataKey="y" name={runName(r, i)} stroke={COLORS[i % COLORS.length]} strokeWidth={2} dot={false} isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="compare-table">
          <thead>
            <tr>
              <th>Run</th>
              <th className="num">Accuracy</th>
              <th className="num">Macro-F1</th>
              <th className="num">Best epoch</th>
              <th className="num">Epochs</th>
              <th className="num">lr</th>
              <th className="num">Batch</th>
              <th className="num">Encode</th>
              <th className="num">Train</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => {
              const best = r.evals.reduce<(typeof r.evals)[number] | null>((b, e) => (!b || e.metrics.accuracy > b.metrics.accuracy ? e : b), null);
              const top = Math.max(...runs.map((x) => x.best?.accuracy ?? -1));
              return (
                <tr key={r.id}>
                  <td>
                    <span className="compare-swatch" style={{ background: COLORS[i % COLORS.length] }} /> {runName(r, i)}
                  </td>
                  <td className={`num ${r.best && r.best.accuracy === top ? 'strong' : ''}`}>{r.best ? (r.best.accuracy * 100).toFixed(1) : '—'}</td>
                  <td className="num">{r.best ? (r.best.macroF1 * 100).toFixed(1) : '—'}</td>
                  <td className="num">{best ? best.epoch + 1 : '—'}</td>
                  <td className="num">{r.evals.length ? Math.max(...r.evals.map((e) => e.epoch + 1)) : 0}</td>
                  <td className="num mono">{r.options.lr}</td>
                  <td className="num">{r.options.batchSize}</td>
                  <td className="num">{r.timings.encode.toFixed(1)} s</td>
                  <td className="num">{r.timings.train.toFixed(1)} s</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
