// The equal-budget section of RESULTS (scripts/results-budget-render.ts): what each table cell and goal line
// claims follows from the rows (means over seeds, the paired interval against the probe, % of fine-tuning).
import { describe, expect, it } from 'vitest';
import { BUDGET_BEGIN, BUDGET_END, latestRows, renderBudgetGoal, renderBudgetTables, replaceBudgetSection, type BudgetRowView } from '../../scripts/results-budget-render';

function row(head: string, seed: number, correct: string, extra: Partial<BudgetRowView> = {}): BudgetRowView {
  const acc = [...correct].filter((c) => c === '1').length / correct.length;
  return { set: 'sst2', head, seed, accuracy: acc, macroF1: acc, correct, trainExamples: 500, evalExamples: correct.length, epochs: 4, lr: 1e-4, tmax: 64, trainableParams: head === 'finetune' ? 6_976_770 : 1026, trainSeconds: 10, ...extra };
}

describe('equal-budget tables', () => {
  // 10 examples: the probe is right on 6, fine-tuning on 8 (seed 0) and 9 (seed 1).
  const rows = [row('linear', 0, '1111110000'), row('finetune', 0, '1111111100'), row('finetune', 1, '1111111110')];

  it('the newest row wins for a (set, head, seed) run twice', () => {
    const again = [...rows, row('linear', 0, '1111111111')];
    expect(latestRows(again).filter((r) => r.head === 'linear')[0].accuracy).toBe(1);
  });

  it('means, spread, % of fine-tuning and the paired interval', () => {
    const md = renderBudgetTables(rows, ['sst2', 'trec'], { sst2: 'SST-2' }, ['linear', 'finetune']);
    expect(md).toContain('### SST-2: 500 training examples, Tmax 64, 10 evaluation examples');
    const lines = md.split('\n');
    const lin = lines.find((l) => l.startsWith('| linear'))!;
    const ft = lines.find((l) => l.startsWith('| finetune'))!;
    expect(lin).toContain('| 0 | 60.0 | 60.0 |'); // one seed: its value, no spread
    expect(lin).toContain('| 70.6 |'); // 60 / 85
    expect(ft).toContain('| 0,1 | 85.0 ± 7.1 |');
    expect(ft).toContain('| 6.98M |');
    expect(ft).toContain('| 100.0 |');
    expect(ft).toMatch(/\| \+25\.0 \[\d+\.\d, \d+\.\d\] \|/); // fine-tuning minus the probe, averaged over its seeds
    expect(md).not.toContain('TREC'); // a set without rows gets no table
  });

  it('the goal line counts sets at +2 points or more and names sets not run', () => {
    const goal = renderBudgetGoal(rows, ['sst2', 'trec'], { sst2: 'SST-2', trec: 'TREC-6' });
    expect(goal).toContain('- SST-2: finetune +25.0 points vs linear');
    expect(goal).toContain('meets the +2 goal');
    expect(goal).toContain('- TREC-6: not run');
    expect(goal).toContain('1 of 1 sets run meet it — NOT met (1 set(s) not run)');
  });

  it('the section goes between the markers, which stay; a page without them is refused', () => {
    const page = `intro\n${BUDGET_BEGIN}\nold table\n${BUDGET_END}\nafter\n`;
    const out = replaceBudgetSection(page, 'new table');
    expect(out).toBe(`intro\n${BUDGET_BEGIN}\nnew table\n${BUDGET_END}\nafter\n`);
    expect(replaceBudgetSection(out, 'newer')).toContain(`${BUDGET_BEGIN}\nnewer\n${BUDGET_END}`);
    expect(() => replaceBudgetSection('no markers', 'x')).toThrow(/no budget markers/);
  });
});
