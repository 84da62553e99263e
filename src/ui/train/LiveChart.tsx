// A small SVG line chart for the live training view: a few series of (x, y) points, a y axis with round ticks,
// first/last x labels, dashed grid, dots where a series asks for them, and an HTML legend.
// Design decision: hand-drawn SVG instead of recharts for the charts that redraw while a run trains: recharts 3
// spent 30-50 ms of main-thread time per chart update on the CPU test box (its internal store and effects), so
// three live charts republished four times a second made 100-500 ms main-thread tasks; this chart is a few path
// strings per update. The series arrive decimated (src/train/decimate.ts), so a path has at most a few hundred points.
import { memo } from 'react';
import { useWidth } from '../data/use-width';

export interface LiveSeries {
  key: string;
  name: string;
  color: string;
  dots?: boolean;
  points: { x: number; y: number }[];
}

const HEIGHT = 222;
const PAD = { top: 8, right: 12, bottom: 22, left: 46 };

/** About `n` round tick values from at or below `lo` to at or above `hi` (1, 2, 2.5 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, n - 1);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  for (let k = first; k <= last; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

const label = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));

function LiveChartImpl({ title, testId, series, unit = '', domain }: { title: string; testId: string; series: LiveSeries[]; unit?: string; domain?: [number | 'auto', number | 'auto'] }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const all = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y)));
  const points = series.reduce((a, s) => a + s.points.length, 0);
  let body = null;
  if (all.length && width > PAD.left + PAD.right) {
    const xs = all.map((p) => p.x);
    const ys = all.map((p) => p.y);
    let x0 = Math.min(...xs);
    let x1 = Math.max(...xs);
    if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
    let y0 = domain?.[0] === undefined || domain[0] === 'auto' ? Math.min(...ys) : domain[0];
    let y1 = domain?.[1] === undefined || domain[1] === 'auto' ? Math.max(...ys) : domain[1];
    if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
    const ticks = niceTicks(y0, y1);
    if (domain?.[0] === undefined || domain[0] === 'auto') y0 = Math.min(y0, ticks[0]);
    if (domain?.[1] === undefined || domain[1] === 'auto') y1 = Math.max(y1, ticks[ticks.length - 1]);
    const w = width - PAD.left - PAD.right;
    const h = HEIGHT - PAD.top - PAD.bottom;
    const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * w;
    const sy = (y: number) => PAD.top + (1 - (y - y0) / (y1 - y0)) * h;
    body = (
      <svg width={width} height={HEIGHT} role="img" aria-label={title}>
        {ticks.filter((t) => t >= y0 && t <= y1).map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={PAD.left + w} y1={sy(t)} y2={sy(t)} stroke="#e2e6ef" strokeDasharray="3 3" />
            <text x={PAD.left - 4} y={sy(t) + 4} textAnchor="end" fontSize={11} fill="#667085">
              {label(t)}
              {unit}
            </text>
          </g>
        ))}
        <line x1={PAD.left} x2={PAD.left + w} y1={PAD.top + h} y2={PAD.top + h} stroke="#98a2b3" />
        <text x={PAD.left} y={HEIGHT - 6} fontSize={11} fill="#667085">
          {Math.round(x0)}
        </text>
        <text x={PAD.left + w} y={HEIGHT - 6} fontSize={11} fill="#667085" textAnchor="end">
          step {Math.round(x1)}
        </text>
        {series.map((s) => {
          const pts = s.points.filter((p) => Number.isFinite(p.y));
          const d = pts.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)}`).join(' ');
          return (
            <g key={s.key} data-series={s.key}>
              {d && <path className="live-line" d={d} fill="none" stroke={s.color} strokeWidth={2} />}
              {s.dots &&
                pts.map((p) => (
                  <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={3} fill="#fff" stroke={s.color} strokeWidth={2}>
                    <title>{`${s.name} at step ${p.x}: ${p.y.toFixed(4)}`}</title>
                  </circle>
                ))}
            </g>
          );
        })}
      </svg>
    );
  }
  return (
    <figure className="train-chart" data-testid={testId} data-points={points}>
      <figcaption>{title}</figcaption>
      <div className="train-chart-box" ref={ref}>
        {points === 0 ? <div className="train-chart-empty muted small">waiting for the first points…</div> : body}
      </div>
      <div className="train-chart-legend small">
        {series.map((s) => (
          <span key={s.key}>
            <i style={{ background: s.color }} /> {s.name}
          </span>
        ))}
      </div>
    </figure>
  );
}

/** Re-renders only when its series (by identity), size settings or title change. */
export const LiveChart = memo(LiveChartImpl);
