// The active-labelling simulation's report (scripts/active-report.ts) on hand-made curves: labels to reach a
// target, the paired t interval, the goal verdict per seed and on the mean curve, the markdown section's markers
// (replaced in place, appended once) and a well-formed SVG.
import { describe, expect, it } from 'vitest';
import { activeSvg, BEGIN, END, goalChecks, labelsToReach, renderActiveSection, replaceSection, tInterval, type ActiveMeta, type ActiveRun } from '../../scripts/active-report';

const curve = (accs: number[]) => accs.map((accuracy, i) => ({ labels: 100 * (i + 1), accuracy }));
// Budget 500; 60% = 300. Random reaches 0.80 / 0.82 at 500; margin reaches them at 300 (seed 0) and 200 (seed 1).
const runs: ActiveRun[] = [
  { seed: 0, strategy: 'random', curve: curve([0.6, 0.7, 0.75, 0.78, 0.8]), reveals: 500, seconds: 1 },
  { seed: 1, strategy: 'random', curve: curve([0.62, 0.72, 0.77, 0.8, 0.82]), reveals: 500, seconds: 1 },
  { seed: 0, strategy: 'margin', curve: curve([0.6, 0.75, 0.8, 0.84, 0.85]), reveals: 500, seconds: 1 },
  { seed: 1, strategy: 'margin', curve: curve([0.62, 0.83, 0.84, 0.85, 0.86]), reveals: 500, seconds: 1 },
  { seed: 0, strategy: 'entropy', curve: curve([0.6, 0.7, 0.72, 0.8, 0.81]), reveals: 500, seconds: 1 },
  { seed: 1, strategy: 'entropy', curve: curve([0.62, 0.7, 0.75, 0.79, 0.83]), reveals: 500, seconds: 1 },
];
const meta: ActiveMeta = { set: 'x', title: 'X', poolSize: 1000, testSize: 100, labels: 3, seedSize: 100, step: 100, budget: 500, seeds: [0, 1], fullAccuracy: 0.9, command: 'cmd', time: '2026-12-04T00:00:00Z' };

describe('active report', () => {
  it('labelsToReach: the first point at or above the target, null when never', () => {
    expect(labelsToReach(curve([0.5, 0.7, 0.7]), 0.7)).toBe(200);
    expect(labelsToReach(curve([0.5, 0.6]), 0.7)).toBeNull();
  });
  it('tInterval: mean ± t(n-1) sd / sqrt(n)', () => {
    const t = tInterval([1, 3]); // mean 2, sd sqrt(2), t(1) = 12.706
    expect(t.mean).toBe(2);
    expect(t.hi - t.mean).toBeCloseTo((12.706 * Math.SQRT2) / Math.SQRT2, 9);
  });
  it('goal checks: margin holds (300 and 200 labels), entropy does not (400, 500)', () => {
    const [m, e] = goalChecks(runs, 500);
    expect(m.strategy).toBe('margin');
    expect(m.perSeed).toEqual([{ seed: 0, labels: 300 }, { seed: 1, labels: 200 }]);
    expect(m.meanLabels).toBe(300); // mean curve 0.82 at 300 >= random mean 0.81 at 500
    expect(m.holds).toBe(true);
    expect(m.diffAt60.mean).toBeCloseTo(((0.8 - 0.8) * 100 + (0.84 - 0.82) * 100) / 2, 9);
    expect(e.perSeed).toEqual([{ seed: 0, labels: 400 }, { seed: 1, labels: 500 }]);
    expect(e.holds).toBe(false);
  });
  it('the section sits between markers: replaced in place, appended once', () => {
    const s = renderActiveSection(meta, runs);
    expect(s.startsWith(BEGIN) && s.endsWith(END)).toBe(true);
    expect(s).toMatch(/\| margin \| 300 \| 0: 300, 1: 200 \| \+1\.0 \[.*\] \| holds \(mean curve and every seed\) \|/);
    expect(s).toMatch(/\| entropy \| 500 \| 0: 400, 1: 500 \| .* \| does not hold on the mean curve; 0 of 2 seeds \|/);
    const page = replaceSection('# Results\n\ntext\n', s);
    expect(page).toBe(`# Results\n\ntext\n\n${s}\n`);
    const again = replaceSection(page.replace('every seed) |', 'OLD |'), s);
    expect(again).toBe(page);
  });
  it('the SVG has one polyline per strategy and the dashed goal lines', () => {
    const svg = activeSvg(meta, runs);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN/);
  });
});
