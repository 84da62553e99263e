// Pure parts of the Use step: softmax rows, the prediction CSV (quoting, header, argmax), the head-averaged
// attention view, and the choice of text columns in a file to predict.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/data/parse';
import { sniff } from '../../src/data/sniff';
import { displayTokens, labelTokenAttention } from '../../src/store/attention-view';
import { predictColumns, predictInputs } from '../../src/store/predict-columns';
import { csvField, formatProbability, predictionCsv, softmaxRows } from '../../src/store/predictions';
import { expectClose } from '../helpers/close';

describe('softmaxRows', () => {
  it('matches a float64 softmax per row and is stable for large logits', () => {
    const z = [1, 2, 3, 1000, 1000, 999];
    const p = softmaxRows(z, 2, 3);
    const ref = (r: number[]) => r.map((x) => Math.exp(x - Math.max(...r))).map((v, _, a) => v / a.reduce((s, y) => s + y, 0));
    expectClose(Array.from(p.subarray(0, 3)), ref([1, 2, 3]), 1e-6, 1e-6);
    expectClose(Array.from(p.subarray(3)), ref([0, 0, -1]), 1e-6, 1e-6);
    expect(() => softmaxRows([1, 2], 1, 3)).toThrow(/needs 3/);
  });
});

describe('predictionCsv', () => {
  it('writes header, texts, the argmax label and p_<label> with RFC 4180 quoting', () => {
    const csv = predictionCsv(
      [{ text: 'plain' }, { text: 'has, comma and "quotes"\nand a newline' }],
      ['neg', 'pos'],
      [0.25, 0.75, 0.9, 0.1],
    );
    expect(csv).toBe('text,predicted,p_neg,p_pos\r\nplain,pos,0.25,0.75\r\n"has, comma and ""quotes""\nand a newline",neg,0.9,0.1\r\n');
  });

  it('escapes formula cells: texts and label names a spreadsheet would run', () => {
    const csv = predictionCsv([{ text: '=1+1' }, { text: '@SUM(A1:A9)' }], ['-1', '+1'], [0.25, 0.75, 0.9, 0.1]);
    expect(csv).toBe('text,predicted,p_-1,p_+1\r\n"\'=1+1","\'+1",0.25,0.75\r\n"\'@SUM(A1:A9)","\'-1",0.9,0.1\r\n');
  });

  it('writes both texts for pairs and refuses a wrong probability count', () => {
    const csv = predictionCsv([{ text: 'a', textPair: 'b' }], ['no', 'yes'], [0.4, 0.6]);
    expect(csv.split('\r\n')[0]).toBe('text,text_pair,predicted,p_no,p_yes');
    expect(csv.split('\r\n')[1]).toBe('a,b,yes,0.4,0.6');
    expect(() => predictionCsv([{ text: 'a' }], ['x', 'y'], [1])).toThrow(/1 probabilities for 1 rows x 2 labels/);
  });

  it('formats probabilities with 6 significant digits and quotes only when needed', () => {
    expect(formatProbability(0.97321449)).toBe('0.973214');
    expect(formatProbability(1)).toBe('1');
    expect(formatProbability(NaN)).toBe('NaN');
    expect(csvField('a b')).toBe('a b');
    expect(csvField('a,b')).toBe('"a,b"');
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
});
