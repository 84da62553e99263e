// Pure parts of the Use step: softmax rows, the prediction CSV (quoting, header, argmax), the head-averaged
// attention view, and the choice of text columns in a file to predict.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/data/parse';
import { sniff } from '../../src/data/sniff';
import { displayTokens, labelTokenAttention, wordAttention } from '../../src/store/attention-view';
import { labelColumn, labelListColumn, predictColumns, predictInputs } from '../../src/store/predict-columns';
import { argmaxRows, softmaxRows } from '../../src/train/inference';
import { formatProbability, predictionAccuracy, predictionsCsv } from '../../src/train/prediction-csv';
import { expectClose } from '../helpers/close';

describe('softmaxRows and argmaxRows', () => {
  it('match a float64 softmax per row, are stable for large logits, and pick the first largest', () => {
    const z = [1, 2, 3, 1000, 1000, 999];
    const p = softmaxRows(z, 3);
    const ref = (r: number[]) => r.map((x) => Math.exp(x - Math.max(...r))).map((v, _, a) => v / a.reduce((s, y) => s + y, 0));
    expectClose(Array.from(p.subarray(0, 3)), ref([1, 2, 3]), 1e-12, 1e-12);
    expectClose(Array.from(p.subarray(3)), ref([0, 0, -1]), 1e-12, 1e-12);
    expect(Array.from(argmaxRows(p, 3))).toEqual([2, 0]);
    expect(() => softmaxRows([1, 2], 3)).toThrow(/do not make rows of L 3/);
  });
});

describe('predictionsCsv (the studio and the CLI write the same file)', () => {
  it('writes the input column names, the argmax label and p_<label> with RFC 4180 quoting and \\n line ends', () => {
    const csv = predictionsCsv(
      { text: 'body', textPair: null, label: null },
      [{ text: 'plain' }, { text: 'has, comma and "quotes"\nand a newline' }],
      ['neg', 'pos'],
      [0.25, 0.75, 0.9, 0.1],
    );
    expect(csv).toBe('body,predicted,p_neg,p_pos\nplain,pos,0.250000,0.750000\n"has, comma and ""quotes""\nand a newline",neg,0.900000,0.100000\n');
  });

  it('writes both texts for pairs, gold labels with `correct`, and refuses a wrong probability count', () => {
    const csv = predictionsCsv({ text: 'a', textPair: 'b', label: 'gold' }, [{ text: 'x', textPair: 'y', gold: 'yes' }], ['no', 'yes'], [0.4, 0.6]);
    expect(csv.split('\n')[0]).toBe('a,b,gold,predicted,p_no,p_yes,correct');
    expect(csv.split('\n')[1]).toBe('x,y,yes,yes,0.400000,0.600000,true');
    expect(predictionAccuracy([{ text: 'x', gold: 'no' }, { text: 'z' }], ['no', 'yes'], [0.4, 0.6, 0.5, 0.5])).toEqual({ correct: 0, total: 1 });
    expect(() => predictionsCsv({ text: 't', textPair: null, label: null }, [{ text: 'a' }], ['x', 'y'], [1])).toThrow(/1 probabilities for 1 rows x 2 labels/);
  });

  it('escapes formula cells: texts and label names a spreadsheet would run', () => {
    const csv = predictionsCsv({ text: 'text', textPair: null, label: null }, [{ text: '=1+1' }, { text: '@SUM(A1:A9)' }], ['-1', '+1'], [0.25, 0.75, 0.9, 0.1]);
    expect(csv).toBe('text,predicted,p_-1,p_+1\n"\'=1+1","\'+1",0.250000,0.750000\n"\'@SUM(A1:A9)","\'-1",0.900000,0.100000\n');
  });

  it('adds predicted_text when the head was trained with label texts', () => {
    const csv = predictionsCsv({ text: 't', textPair: null, label: null }, [{ text: 'fine' }], ['0', '1'], [0.3, 0.7], ['a negative review', 'a positive review']);
    expect(csv).toBe('t,predicted,predicted_text,p_0,p_1\nfine,1,a positive review,0.300000,0.700000\n');
    expect(predictionsCsv({ text: 't', textPair: null, label: null }, [{ text: 'fine' }], ['0', '1'], [0.3, 0.7], ['0', '1'])).toBe('t,predicted,p_0,p_1\nfine,1,0.300000,0.700000\n');
  });

  it('formats probabilities with 6 decimals', () => {
    expect(formatProbability(0.97321449)).toBe('0.973214');
    expect(formatProbability(1)).toBe('1.000000');
    expect(formatProbability(1.2e-7)).toBe('0.000000');
    expect(formatProbability(NaN)).toBe('NaN');
  });
});

describe('labelTokenAttention', () => {
  it('averages over heads, drops padding keys and reports the pooled key apart', () => {
    // B 2, H 2, L 2, T 3 (+1 pooled key): example 1 has 2 real tokens.
    const B = 2, H = 2, L = 2, Tm = 4;
    const w = new Float32Array(B * H * L * Tm);
    const put = (b: number, h: number, l: number, row: number[]) => w.set(row, ((b * H + h) * L + l) * Tm);
    put(1, 0, 0, [0.5, 0.3, 0, 0.2]);
    put(1, 1, 0, [0.1, 0.5, 0, 0.4]);
    put(1, 0, 1, [0.0, 1.0, 0, 0.0]);
    put(1, 1, 1, [0.2, 0.2, 0, 0.6]);
    const a = labelTokenAttention({ weights: w, B, H, L, Tm }, 1, 2);
    expectClose(a.perLabel[0], [0.3, 0.4], 1e-6, 1e-6);
    expectClose(a.perLabel[1], [0.1, 0.6], 1e-6, 1e-6);
    expectClose(a.pooled, [0.3, 0.3], 1e-6, 1e-6);
    expect(() => labelTokenAttention({ weights: w, B, H, L, Tm }, 2, 2)).toThrow(/not in the batch of 2/);
    expect(() => labelTokenAttention({ weights: w, B, H, L, Tm }, 0, 4)).toThrow(/3 token keys/);
  });

  it('shows SentencePiece, byte-level and WordPiece pieces as words', () => {
    const words = (pieces: string[]) => displayTokens(pieces).map((t) => (t.space ? ' ' : '') + t.text).join('');
    expect(words(['▁a', '▁wi', 't', 'ty', '▁', ',', '▁movie'])).toBe('a witty ␣, movie');
    expect(words(['Ġhello', 'Ġwor', 'ld'])).toBe('hello world');
    expect(words(['[CLS]', 'play', '##ing', 'cards', '[SEP]'])).toBe('[CLS] playing cards [SEP]');
  });

  it('sums the attention of a word’s pieces, so a subword piece never stands alone', () => {
    const w = wordAttention(['▁a', '▁strate', 'gy', '▁', ',', '▁movie'], [0.1, 0.2, 0.25, 0.05, 0.1, 0.3]);
    expect(w.map((x) => [x.text, x.space, x.pieces.length])).toEqual([['a', false, 1], ['strategy', true, 2], [',', true, 2], ['movie', true, 1]]);
    expectClose(w.map((x) => x.weight), [0.1, 0.45, 0.15, 0.3], 1e-12, 1e-12);
    const wp = wordAttention(['[CLS]', 'play', '##ing', 'cards'], [0.1, 0.2, 0.3, 0.4]);
    expect(wp.map((x) => x.text)).toEqual(['[CLS]', 'playing', 'cards']);
    expectClose(wp.map((x) => x.weight), [0.1, 0.5, 0.4], 1e-12, 1e-12);
    expect(() => wordAttention(['a', 'b'], [1])).toThrow(/1 weights for 2 pieces/);
  });
});

describe('predictColumns', () => {
  const table = (text: string, name: string) => {
    const s = sniff(text, name);
    return parse(s.text, s, name);
  };

  it('picks the text column of a labelled file, and of a file with no label column', () => {
    const labelled = table('id,review,label\n1,a long enough review text here,pos\n2,another review text that is long,neg\n3,one more review of the film,pos\n', 'a.csv');
    expect(predictColumns(labelled, false)).toEqual({ text: 'review' });
    const unlabelled = table('id,sentence\n1,the first sentence to predict\n2,the second sentence to predict\n', 'b.csv');
    expect(predictColumns(unlabelled, false)).toEqual({ text: 'sentence' });
    expect(predictInputs(unlabelled, { text: 'sentence' }).inputs).toEqual([{ text: 'the first sentence to predict' }, { text: 'the second sentence to predict' }]);
  });

  it('trims texts as training does, and leaves out rows with an empty text, naming their lines', () => {
    const t = table('id,sentence\n1, padded text  \n2,\n3,  \n4,last one\n', 'c.csv');
    expect(predictInputs(t, { text: 'sentence' })).toEqual({ inputs: [{ text: 'padded text' }, { text: 'last one' }], lines: [2, 5], emptyLines: [3, 4] });
    expect(() => predictInputs(t, { text: 'id' }).inputs.length).not.toThrow();
    const blank = table('id,note\n1,\n2,\n', 'd.csv');
    expect(() => predictInputs(blank, { text: 'note' })).toThrow(/Every row has an empty text in column 'note'/);
  });

  it('finds a named pair of text columns, and says when a pair head gets one column', () => {
    const pairs = table('premise\thypothesis\nA man is playing a guitar on stage.\tA person plays music.\nTwo dogs run in the park today.\tAnimals are outside.\n', 'p.tsv');
    expect(predictColumns(pairs, true)).toEqual({ text: 'premise', textPair: 'hypothesis' });
    expect(predictInputs(pairs, { text: 'premise', textPair: 'hypothesis' }).inputs[1]).toEqual({ text: 'Two dogs run in the park today.', textPair: 'Animals are outside.' });
    const one = table('just one line of text to predict\nand another line of text\n', 'one.txt');
    expect(() => predictColumns({ ...one, columns: ['text'], rows: one.rows.map((r) => [r.join(' ')]) }, true)).toThrow(/reads sentence pairs, but the file has one column/);
    expect(() => predictInputs(pairs, { text: 'nope' })).toThrow(/no column 'nope' \(columns: premise, hypothesis\)/);
  });

  it('reads a column of the head labels as gold labels, and only such a column', () => {
    const t = table('text,mood,id\nI loved every minute of it,pos,1\nA dull and tired plot,neg,2\nNo opinion either way,,3\n', 'g.csv');
    expect(labelColumn(t, ['neg', 'pos'], ['text'])).toBe('mood');
    expect(labelColumn(t, ['negative', 'positive'], ['text'])).toBeUndefined();
    const picked = predictInputs(t, { text: 'text', label: 'mood' });
    expect(picked.inputs.map((x) => x.gold)).toEqual(['pos', 'neg', undefined]);
    expect(() => predictInputs(t, { text: 'text', label: 'gold' })).toThrow(/no column 'gold'/);
  });

  it('finds a column of label lists (which a single-label head cannot be scored against) with its first multi-label row', () => {
    const t = table('text,labels,id\nI loved it,pos,1\nmixed feelings,"pos,neg",2\nA dull plot,neg,3\n', 'm.csv');
    expect(labelColumn(t, ['neg', 'pos'], ['text'])).toBeUndefined();
    expect(labelListColumn(t, ['neg', 'pos'], ['text'])).toEqual({ column: 'labels', line: 3, cell: 'pos,neg' });
    expect(labelListColumn(t, ['negative', 'positive'], ['text'])).toBeUndefined();
    const single = table('text,mood\nI loved it,pos\nA dull plot,neg\n', 's.csv');
    expect(labelListColumn(single, ['neg', 'pos'], ['text'])).toBeUndefined();
  });
});
