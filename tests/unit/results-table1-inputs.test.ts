// The Table 1 runner's inputs (scripts/results-table1-inputs.ts): a pair set (RTE's columns) reaches every Table 1
// head as ONE joint sequence — both sides' tokens, longest-first truncation to Tmax keeping the short side — on a
// tokenizer without a pair template like USE-lite's; a single-text set stays single; a kind that cannot take a
// joint pair is refused rather than handed one side.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data';
import { TextTokenizer } from '../../src/encoder/tokenizer';
import { table1Examples, table1PairMode } from '../../scripts/results-table1-inputs';
import { capSet } from '../../scripts/results-sets';
import { plainUnigramJson } from '../helpers/plain-tokenizer';

const tok = TextTokenizer.fromJson('plain', plainUnigramJson());
const KINDS = ['prefix-tuning', 'ltuning-prefix', 'prompt-tuning', 'ltuning-prompt'] as const;

const rte = loadDataset(
  'index\tsentence1\tsentence2\tlabel\n' +
    '0\tthe movie the movie the movie the movie\ta good\tentailment\n' +
    '1\tthe good\tthe movie\tnot_entailment\n' +
    '2\ta a a\tthe the\tentailment\n' +
    '3\tthe\tgood good\tnot_entailment\n',
  'train.tsv',
).dataset;

describe('Table 1 inputs', () => {
  it('a pair set is one joint sequence per pair (a then b) for every Table 1 head', () => {
    expect(rte.columns.textPair).toBe('sentence2');
    expect(table1PairMode(rte, KINDS)).toBe('pair-input');
    const ex = table1Examples(tok, rte, 64, KINDS);
    expect(ex.length).toBe(4);
    const x = rte.examples.findIndex((e) => e.text === 'the good');
    expect(Array.from(ex[x].tokens!.ids)).toEqual([...tok.tokenIds('the good'), ...tok.tokenIds('the movie')]);
    expect(ex[x].tokens!.idsB).toBeUndefined(); // not side by side
    expect(ex[x].label).toBe(rte.examples[x].label);
  });

  it('a long pair is cut longest-first to Tmax: the short hypothesis stays whole', () => {
    const i = rte.examples.findIndex((e) => e.text.startsWith('the movie the movie'));
    const hyp = tok.tokenIds('a good');
    const t = table1Examples(tok, rte, 5, KINDS)[i].tokens!;
    expect(t.ids.length).toBe(5);
    expect(Array.from(t.ids.slice(-hyp.length))).toEqual(hyp);
    expect(Array.from(t.ids.slice(0, 5 - hyp.length))).toEqual(tok.tokenIds('the movie the movie the movie the movie').slice(0, 5 - hyp.length));
  });

  it('single texts stay single; a kind without joint pairs is refused on a pair set', () => {
    const sst = loadDataset('sentence\tlabel\nthe movie\t1\na good\t0\n', 'x.tsv').dataset;
    expect(table1PairMode(sst, KINDS)).toBe('none');
    expect(Array.from(table1Examples(tok, sst, 64, KINDS)[0].tokens!.ids)).toEqual(tok.tokenIds(sst.examples[0].text));
    expect(() => table1PairMode(rte, ['prompt-tuning', 'finetune'])).toThrow(/finetune cannot take a pair as one joint sequence/);
  });

  it('the budget subset is fixed and stratified', () => {
    const a = capSet(rte, 2);
    expect(a.examples.length).toBe(2);
    expect(new Set(a.examples.map((e) => e.label)).size).toBe(2);
    expect(capSet(rte, 2).examples).toEqual(a.examples);
    expect(capSet(rte, 10)).toBe(rte);
  });
});
