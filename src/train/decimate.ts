// Chart series for the live training view: at most `max` points however long the run. Design decision: bucket
// MEANS (not every k-th point) — a decimated loss curve then shows the trend of all steps, not a noisy sample —
// with each bucket placed at its last x, so the newest point of the series is always the newest step.

export interface SeriesPoint {
  x: number;
  y: number;
}

/** Decimate points (ascending x) to at most `max` bucket means; non-finite y values are skipped in a mean. */
export function decimate(points: readonly SeriesPoint[], max: number): SeriesPoint[] {
  if (!Number.isInteger(max) || max < 1) throw new Error(`decimate: max must be a positive integer, got ${max}`);
  if (points.length <= max) return points.slice();
  const out: SeriesPoint[] = [];
  const size = points.length / max;
  for (let b = 0; b < max; b++) {
    const start = Math.floor(b * size);
    const end = Math.floor((b + 1) * size);
    let sum = 0;
    let n = 0;
    for (let i = start; i < end; i++) {
      if (Number.isFinite(points[i].y)) {
        sum += points[i].y;
        n++;
      }
    }
    out.push({ x: points[end - 1].x, y: n ? sum / n : Number.NaN });
  }
  return out;
}
