// The Table 1 section of RESULTS (scripts/results-table1-render.ts): what each cell claims follows from the rows —
// mean ± sd over seeds, constant-predictor counts, the constant's macro-F1, the paired interval of each L-Tuning
// variant minus its plain baseline on the seeds both ran, the paper's number beside ours, and each row's commit.
import { describe, expect, it } from 'vitest';
import { constantMacroF1, groups, isConstant, ltMinusBaseline, probeVerdict, renderTable1, replaceTable1Section, verdict, type Table1Row } from '../../scripts/results-table1-render';

const LABELS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
function row(head: string, seed: number, predicted: number[], extra: Partial<Table1Row> = {}): Table1Row {
  const correct = predicted.map((p, i) => (p === LABELS[i] ? '1' : '0')).join('');
  const acc = [...correct].filter((c) => c === '1').length / correct.length;
  const hist = [predicted.filter((p) => p === 0).length, predicted.filter((p) => p === 1).length];
  return {
    set: 'sst2', head, seed, mapLrScale: head.startsWith('ltuning') ? '1/d' : null, accuracy: acc, macroF1: acc, predicted: hist, correct, evalLabels: LABELS,
    bestEpoch: 3, selectionByEpoch: [0.5, 0.5, 0.6], lossFirst6: 0.7, lossLast6: 0.6, steps: 36, prompt: null, labels: ['0', '1'], labelTexts: ['negative', 'positive'],
    epochs: 3, lr: 0.01, batch: 8, tmax: 64, trainExamples: 96, selectionExamples: 32, evalExamples: 10, trainableParams: 2050, trainSeconds: 100, adapter: 'lavapipe', commit: 'abc1234', time: '2026-12-05T09:00:00Z', ...extra,
  };
}
const ALL0 = new Array(10).fill(0);
const GOOD = [0, 0, 0, 0, 0, 1, 1, 1, 1, 0]; // 8 of 10
const BETTER = [0, 0, 0, 0, 0, 0, 1, 1, 1, 0]; // 9 of 10

describe('Table 1 section', () => {
  it("a constant predictor and a constant's macro-F1", () => {
    expect(isConstant(row('prompt-tuning', 0, ALL0))).toBe(true);
    expect(isConstant(row('prompt-tuning', 0, GOOD))).toBe(false);
    // always 0: F1 of class 0 = 2*6/(6+10) = 0.75, class 1 = 0 -> 0.375; always 1: 2*4/14/2 = 0.286
    expect(constantMacroF1(LABELS, 2)).toBeCloseTo(0.375, 12);
  });

  it('the newest row wins per seed; groups split by label-map lr scale', () => {
    const g = groups([row('ltuning-prompt', 0, ALL0), row('ltuning-prompt', 0, GOOD), row('ltuning-prompt', 1, GOOD, { mapLrScale: '1/sqrt(d)' })]);
    expect(g.get('sst2@96x3x8@lr0.01@eval10/ltuning-prompt/1/d')!.map((r) => r.accuracy)).toEqual([0.8]);
    expect(g.get('sst2@96x3x8@lr0.01@eval10/ltuning-prompt/1/sqrt(d)')!.length).toBe(1);
  });

  it('LT minus plain is paired on the seeds both ran', () => {
    const lt = [row('ltuning-prompt', 0, BETTER), row('ltuning-prompt', 1, BETTER), row('ltuning-prompt', 2, ALL0)];
    const base = [row('prompt-tuning', 0, GOOD), row('prompt-tuning', 1, GOOD)];
    const iv = ltMinusBaseline(lt, base)!;
    expect(iv.seeds).toEqual([0, 1]);
    expect(iv.diff).toBeCloseTo(10, 9); // 90 - 80 points
    expect(iv.lo).toBeLessThanOrEqual(iv.diff);
    expect(iv.hi).toBeGreaterThanOrEqual(iv.diff);
    expect(ltMinusBaseline(lt, [row('prompt-tuning', 5, GOOD)])).toBeNull();
  });

  it('renders mean ± sd, constant seeds, the paper number and the commits', () => {
    const rows = [row('prompt-tuning', 0, ALL0), row('prompt-tuning', 1, GOOD, { commit: 'def5678' }), row('ltuning-prompt', 0, BETTER), row('ltuning-prompt', 1, BETTER)];
    const md = renderTable1(rows, { sst2: 'SST-2' });
    expect(md).toContain('### SST-2: 96 training texts, 10 evaluation texts');
    expect(md).toContain("a constant predictor's macro-F1 is at most 37.5");
    const lines = md.split('\n');
    const prompt = lines.find((l) => l.startsWith('| Prompt'))!;
    expect(prompt).toContain('| 89.1 |'); // the paper's BERT-base number
    expect(prompt).toContain('| 70.0 ± 14.1 |'); // 60 and 80
    expect(prompt).toContain('| 1 of 2 | [10, 0] [6, 4] |');
    expect(prompt).toContain('abc1234, def5678');
    const lt = lines.find((l) => l.startsWith('| LT-Prompt'))!;
    expect(lt).toContain('| 90.0 ± 0.0 |');
    expect(lt).toContain('+20.0 ['); // 90 - 70 on seeds 0, 1
    expect(lt).toContain('(seeds 0, 1)');
  });

  it('a win needs the whole interval above 0; the summary table says so per comparison, with the paper\'s difference', () => {
    expect(verdict({ lo: 0.1, hi: 3 })).toMatch(/^yes/);
    expect(verdict({ lo: -0.1, hi: 3 })).toMatch(/^not shown/);
    expect(verdict({ lo: 0, hi: 3 })).toMatch(/^not shown/);
    expect(verdict({ lo: -3, hi: -0.5 })).toMatch(/^no: below/);
    expect(verdict(null)).toBe('—');
    // LT-Prompt right on 9 of 10 texts vs Prompt on 6 (ALL0) on both seeds: every resample is above 0.
    const win = [row('prompt-tuning', 0, ALL0), row('prompt-tuning', 1, ALL0), row('ltuning-prompt', 0, BETTER), row('ltuning-prompt', 1, BETTER)];
    const md = renderTable1(win, { sst2: 'SST-2' });
    expect(md.split('\n').find((l) => l.startsWith('| LT-Prompt'))).toContain('| yes (interval above 0) |');
    const sum = md.split('\n').find((l) => l.startsWith('| SST-2 | 96 texts, 36 steps; 10 eval. texts | LT-Prompt - Prompt'))!;
    expect(sum).toContain('| 0, 1 | +30.0 [');
    expect(sum).toContain('| +1.1 |'); // the paper: 90.2 - 89.1
    expect(sum).toContain('| yes (interval above 0) |');
    // The same run against itself: the interval is [0, 0], not a win; a set without paper numbers says so.
    const tie = [row('prompt-tuning', 0, GOOD, { set: 'mrpc' }), row('ltuning-prompt', 0, GOOD, { set: 'mrpc' })];
    const t = renderTable1(tie, { mrpc: 'MRPC' }).split('\n').find((l) => l.startsWith('| MRPC | 96 texts, 36 steps; 10 eval. texts |'))!;
    expect(t).toContain('| +0.0 [+0.0, +0.0] | — (no paper number) | not shown (interval contains 0) |');
  });

  it('one table per budget: rows of another training size are not mixed into the means', () => {
    const rows = [row('prompt-tuning', 0, ALL0), row('prompt-tuning', 0, GOOD, { trainExamples: 192 })];
    const md = renderTable1(rows, { sst2: 'SST-2' });
    expect(md).toContain('### SST-2: 96 training texts');
    expect(md).toContain('### SST-2: 192 training texts');
    expect(md.split('\n').filter((l) => l.startsWith('| Prompt')).map((l) => l.split(' | ')[4])).toEqual(['60.0', '80.0']);
    // Tables follow the sets' order, then training texts, then evaluation texts, whatever order the rows came in.
    const mixed = [row('prompt-tuning', 0, GOOD, { evalExamples: 872 }), row('prompt-tuning', 0, GOOD, { set: 'rte' }), row('prompt-tuning', 0, GOOD, { trainExamples: 192 }), row('prompt-tuning', 0, GOOD)];
    const heads = renderTable1(mixed, { sst2: 'SST-2', rte: 'RTE' }).split('\n').filter((l) => l.startsWith('### '));
    expect(heads).toEqual(['### SST-2: 96 training texts, 10 evaluation texts', '### SST-2: 96 training texts, 872 evaluation texts', '### SST-2: 192 training texts, 10 evaluation texts', '### RTE: 96 training texts, 10 evaluation texts']);
  });

  it('the probe on the same texts: its own row, its chosen decay, and LT-Prefix minus the probe with a verdict', () => {
    const probe = (seed: number, p: number[], wd: number) => row('linear', seed, p, { mapLrScale: null, weightDecay: wd, trainableParams: 1026 });
    const rows = [probe(0, BETTER, 0.01), probe(1, BETTER, 1), row('ltuning-prefix', 0, GOOD), row('ltuning-prefix', 1, GOOD), row('prefix-tuning', 0, GOOD)];
    const md = renderTable1(rows, { sst2: 'SST-2' });
    const lines = md.split('\n');
    expect(lines.findIndex((l) => l.startsWith('| Linear probe, same texts, 3 epochs (`linear`)'))).toBeLessThan(lines.findIndex((l) => l.startsWith('| Prefix')));
    expect(lines.find((l) => l.startsWith('| Linear probe'))).toContain('| 90.0 ± 0.0 |');
    expect(md).toContain('Linear probe, same texts, 3 epochs: decay (AdamW decoupled, chosen on the selection subset per seed) seed 0 0.01, seed 1 1.');
    // LT-Prefix minus probe: 80 - 90 on seeds 0, 1; the probe never counts as an L-Tuning baseline.
    const cmp = lines.find((l) => l.startsWith('| SST-2 | 96 texts, 36 steps; 10 eval. texts | 1/d | 3 | 0, 1 |'))!;
    expect(cmp).toContain('| 80.0 ± 0.0 | 90.0 ± 0.0 | -10.0 [');
    expect(lines.find((l) => l.startsWith('| LT-Prefix'))).toContain('+0.0 [+0.0, +0.0] (seeds 0)');
    expect(probeVerdict({ lo: -3, hi: -0.1 })).toMatch(/^no: below the probe/);
    expect(probeVerdict({ lo: -3, hi: 0.1 })).toMatch(/^not shown below/);
    expect(probeVerdict({ lo: 0.1, hi: 2 })).toMatch(/^yes: above/);
    // A probe trained longer is its own row and its own comparison, in the same table.
    const md2 = renderTable1([...rows, { ...probe(0, GOOD, 0), probeEpochs: 10 }], { sst2: 'SST-2' });
    expect(md2).toContain('| Linear probe, same texts, 10 epochs (`linear`) |');
    expect(md2.split('\n').find((l) => l.startsWith('| SST-2 | 96 texts, 36 steps; 10 eval. texts | 1/d | 10 | 0 |'))).toContain('| +0.0 [+0.0, +0.0] |');
    // Without probe rows there is no probe table.
    expect(renderTable1(rows.slice(2), { sst2: 'SST-2' })).not.toContain('at least match the linear probe');
  });

  it('replaces only the marked section and refuses a page without markers', () => {
    const page = 'a\n<!-- table1:begin (x) -->\nold\n<!-- table1:end -->\nb';
    expect(replaceTable1Section(page, 'new')).toBe('a\n<!-- table1:begin (x) -->\nnew\n<!-- table1:end -->\nb');
    expect(() => replaceTable1Section('a\nb', 'new')).toThrow(/no Table 1 markers/);
  });
});
