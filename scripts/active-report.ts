// The report of the active-labelling simulation (scripts/active-sim.ts), kept apart from the runner so it is
// unit-tested: mean ± sd curves over seeds, the labels each strategy needs to reach random sampling's accuracy at
// the full budget, a paired t interval for "strategy at 60% of the budget minus random at the budget", the
// markdown section and an SVG plot. Design decision: the goal is judged per seed against the SAME seed's random
// run (same seed set), and on the mean curves; both are printed, neither is rounded in the strategy's favour.
import type { CurvePoint, Strategy } from '../src/train/active/simulate';

export interface ActiveRun {
  seed: number;
  strategy: Strategy;
  curve: CurvePoint[];
  reveals: number;
  seconds: number;
}

export interface ActiveMeta {
  set: string;
  title: string;
  poolSize: number;
  testSize: number;
  labels: number;
  seedSize: number;
  step: number;
  budget: number;
  seeds: number[];
  fullAccuracy: number;
  command: string;
  time: string;
}

export const BEGIN = '<!-- active-labelling:begin (scripts/active-sim.ts writes this section) -->';
export const END = '<!-- active-labelling:end -->';

// Two-sided 95% Student t quantiles by degrees of freedom.
const T95 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** Mean ± t95 * sd / sqrt(n) (NaN half-width for fewer than 2 values; n > 11 uses 1.96). */
export function tInterval(xs: readonly number[]): { mean: number; lo: number; hi: number } {
  const { mean, sd } = meanSd(xs);
  const n = xs.length;
  const t = n < 2 ? NaN : (T95[n - 1] ?? 1.96);
  const h = (t * sd) / Math.sqrt(n);
  return { mean, lo: mean - h, hi: mean + h };
}

/** The accuracy at n labels (undefined when the curve has no point there). */
export function accuracyAt(curve: readonly CurvePoint[], n: number): number | undefined {
  return curve.find((p) => p.labels === n)?.accuracy;
}

/** The fewest labels at which the curve reaches `target` (null if it never does). */
export function labelsToReach(curve: readonly CurvePoint[], target: number): number | null {
  return curve.find((p) => p.accuracy >= target)?.labels ?? null;
}

/** Per strategy, the mean curve over seeds (labels -> mean, sd). */
export function meanCurves(runs: readonly ActiveRun[]): Map<Strategy, { labels: number; mean: number; sd: number }[]> {
  const out = new Map<Strategy, { labels: number; mean: number; sd: number }[]>();
  for (const s of [...new Set(runs.map((r) => r.strategy))]) {
    const rs = runs.filter((r) => r.strategy === s);
    const points = rs[0].curve.map((p) => p.labels);
    out.set(
      s,
      points.map((n) => ({ labels: n, ...meanSd(rs.map((r) => accuracyAt(r.curve, n)!)) })),
    );
  }
  return out;
}

export interface GoalCheck {
  strategy: Strategy;
  /** Labels the mean curve needs to reach random's mean accuracy at the budget. */
  meanLabels: number | null;
  /** Per seed: labels to reach that seed's random accuracy at the budget. */
  perSeed: { seed: number; labels: number | null }[];
  /** Paired (strategy at 60% of the budget) - (random at the budget), points, with a 95% t interval over seeds. */
  diffAt60: { mean: number; lo: number; hi: number };
  /** The goal (<= 60% of the budget) on the mean curve and on every seed. */
  holds: boolean;
}

export function goalChecks(runs: readonly ActiveRun[], budget: number): GoalCheck[] {
  const at60 = Math.round(0.6 * budget);
  const curves = meanCurves(runs);
  const target = accuracyAt(curves.get('random')!.map((p) => ({ labels: p.labels, accuracy: p.mean })), budget)!;
  const random = new Map(runs.filter((r) => r.strategy === 'random').map((r) => [r.seed, r]));
  const out: GoalCheck[] = [];
  for (const [s, mc] of curves) {
    if (s === 'random') continue;
    const rs = runs.filter((r) => r.strategy === s);
    const meanLabels = labelsToReach(mc.map((p) => ({ labels: p.labels, accuracy: p.mean })), target);
    const perSeed = rs.map((r) => ({ seed: r.seed, labels: labelsToReach(r.curve, accuracyAt(random.get(r.seed)!.curve, budget)!) }));
    const diffs = rs.map((r) => 100 * ((accuracyAt(r.curve, at60) ?? NaN) - accuracyAt(random.get(r.seed)!.curve, budget)!));
    const ok = (n: number | null) => n !== null && n <= at60;
    out.push({ strategy: s, meanLabels, perSeed, diffAt60: tInterval(diffs), holds: ok(meanLabels) && perSeed.every((p) => ok(p.labels)) });
  }
  return out;
}

const pct = (x: number) => (100 * x).toFixed(1);

export function renderActiveSection(meta: ActiveMeta, runs: readonly ActiveRun[]): string {
  const curves = meanCurves(runs);
  const strategies = [...curves.keys()];
  const shown = [meta.seedSize, 60, 100, 200, 300, 400, meta.budget].filter((n, i, a) => a.indexOf(n) === i && curves.get('random')!.some((p) => p.labels === n));
  const lines = [
    BEGIN,
    '## Active labelling: uncertainty vs random sampling (simulation)',
    '',
    `${meta.title}: the training file (${meta.poolSize} rows) is the unlabelled pool, its labels revealed only when a strategy asks for a row; the`,
    `test file (${meta.testSize}) scores each retrained head. Every run starts from the same ${meta.seedSize} random labels per seed, retrains a`,
    `softmax probe (CPU, float64, on the cached USE-lite sentence vectors; src/train/active/probe.ts) every ${meta.step} labels up to ${meta.budget},`,
    `and asks for the next ${meta.step}: \`random\`, \`margin\` (smallest top-2 gap), \`entropy\`, or \`margin-diverse\` (k-center greedy over the`,
    `10x most uncertain rows). Test accuracy in %, mean ± sd over seeds ${meta.seeds.join(', ')}; the same probe on all ${meta.poolSize} pool labels: ${pct(meta.fullAccuracy)}.`,
    '',
    `| labels | ${strategies.join(' | ')} |`,
    `|---|${strategies.map(() => '---').join('|')}|`,
  ];
  for (const n of shown) {
    lines.push(`| ${n} | ${strategies.map((s) => { const p = curves.get(s)!.find((q) => q.labels === n)!; return `${pct(p.mean)} ± ${pct(p.sd)}`; }).join(' | ')} |`);
  }
  const target = curves.get('random')!.find((p) => p.labels === meta.budget)!.mean;
  const at60 = Math.round(0.6 * meta.budget);
  lines.push('', `Goal: reach random sampling's accuracy at ${meta.budget} labels (${pct(target)} on the mean curve) with at most ${at60} labels (60%).`, '');
  lines.push(`| strategy | labels to reach it (mean curve) | per seed (vs that seed's random at ${meta.budget}) | accuracy at ${at60} minus random at ${meta.budget}, points (paired, 95% t interval) | goal |`, '|---|---|---|---|---|');
  for (const g of goalChecks(runs, meta.budget)) {
    const d = g.diffAt60;
    const ok = g.perSeed.filter((p) => p.labels !== null && p.labels <= at60).length;
    const onMean = g.meanLabels !== null && g.meanLabels <= at60;
    const verdict = g.holds ? 'holds (mean curve and every seed)' : `${onMean ? `holds on the mean curve (${Math.round((100 * g.meanLabels!) / meta.budget)}%)` : 'does not hold on the mean curve'}; ${ok} of ${g.perSeed.length} seeds`;
    lines.push(`| ${g.strategy} | ${g.meanLabels ?? `not within ${meta.budget}`} | ${g.perSeed.map((p) => `${p.seed}: ${p.labels ?? '>' + meta.budget}`).join(', ')} | ${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(1)} [${d.lo.toFixed(1)}, ${d.hi.toFixed(1)}] | ${verdict} |`);
  }
  const secs = meanSd(runs.filter((r) => r.strategy !== 'random').map((r) => r.seconds / r.curve.length)).mean;
  lines.push(
    '',
    `![accuracy against labels](active-learning.svg)`,
    '',
    `Reproduce: \`${meta.command}\` (${meta.time.slice(0, 16)} UTC; a retrain plus scoring the pool took ${secs.toFixed(2)} s on average on this 2-core CPU box).`,
    END,
  );
  return lines.join('\n');
}

/** Put the section between the markers, or append it (with a blank line) when the page has none. */
export function replaceSection(page: string, section: string): string {
  const a = page.indexOf(BEGIN);
  const b = page.indexOf(END);
  if (a >= 0 && b > a) return page.slice(0, a) + section + page.slice(b + END.length);
  return page.replace(/\n*$/, '\n\n') + section + '\n';
}

const COLORS: Record<string, string> = { random: '#666666', margin: '#d62728', entropy: '#1f77b4', 'margin-diverse': '#2ca02c', 'entropy-diverse': '#9467bd' };

/** A 720 x 420 line plot: mean accuracy against labels per strategy, a ±sd band, the goal's target and 60% line. */
export function activeSvg(meta: ActiveMeta, runs: readonly ActiveRun[]): string {
  const curves = meanCurves(runs);
  const [W, H, l, r, t, b] = [720, 420, 60, 170, 40, 50];
  const all = [...curves.values()].flat();
  const yMin = Math.floor(Math.min(...all.map((p) => p.mean - p.sd)) * 20) / 20;
  const yMax = Math.min(1, Math.ceil(Math.max(meta.fullAccuracy, ...all.map((p) => p.mean + p.sd)) * 20) / 20);
  const x = (n: number) => l + ((n - 0) / meta.budget) * (W - l - r);
  const y = (a: number) => t + (1 - (a - yMin) / (yMax - yMin)) * (H - t - b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${l}" y="22" font-size="14">${meta.title}: test accuracy against labels used (mean ± sd, seeds ${meta.seeds.join(', ')})</text>`,
  ];
  for (let a = yMin; a <= yMax + 1e-9; a += 0.05) {
    out.push(`<line x1="${l}" x2="${W - r}" y1="${y(a).toFixed(1)}" y2="${y(a).toFixed(1)}" stroke="#eee"/><text x="${l - 6}" y="${(y(a) + 4).toFixed(1)}" text-anchor="end">${Math.round(a * 100)}</text>`);
  }
  for (let n = 0; n <= meta.budget; n += 100) out.push(`<text x="${x(n).toFixed(1)}" y="${H - b + 18}" text-anchor="middle">${n}</text>`);
  out.push(`<line x1="${l}" x2="${W - r}" y1="${H - b}" y2="${H - b}" stroke="black"/><line x1="${l}" x2="${l}" y1="${t}" y2="${H - b}" stroke="black"/>`);
  out.push(`<text x="${(l + W - r) / 2}" y="${H - 12}" text-anchor="middle">labels</text><text transform="translate(16 ${(t + H - b) / 2}) rotate(-90)" text-anchor="middle">accuracy (%)</text>`);
  const target = curves.get('random')!.find((p) => p.labels === meta.budget)!.mean;
  out.push(`<line x1="${l}" x2="${W - r}" y1="${y(target).toFixed(1)}" y2="${y(target).toFixed(1)}" stroke="#666" stroke-dasharray="4 4"/>`);
  const x60 = x(0.6 * meta.budget);
  out.push(`<line x1="${x60.toFixed(1)}" x2="${x60.toFixed(1)}" y1="${t}" y2="${H - b}" stroke="#666" stroke-dasharray="4 4"/>`);
  let ly = t + 10;
  for (const [s, pts] of curves) {
    const c = COLORS[s] ?? '#000';
    const band = [...pts.map((p) => `${x(p.labels).toFixed(1)},${y(p.mean + p.sd).toFixed(1)}`), ...[...pts].reverse().map((p) => `${x(p.labels).toFixed(1)},${y(p.mean - p.sd).toFixed(1)}`)];
    out.push(`<polygon points="${band.join(' ')}" fill="${c}" fill-opacity="0.12" stroke="none"/>`);
    out.push(`<polyline points="${pts.map((p) => `${x(p.labels).toFixed(1)},${y(p.mean).toFixed(1)}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(`<line x1="${W - r + 12}" x2="${W - r + 32}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/><text x="${W - r + 38}" y="${ly + 4}">${s}</text>`);
    ly += 18;
  }
  out.push(`<text x="${W - r + 12}" y="${ly + 8}" fill="#666">dashed: random at ${meta.budget},</text><text x="${W - r + 12}" y="${ly + 22}" fill="#666">and ${Math.round(0.6 * meta.budget)} labels (60%)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
