// The labeltune commands beyond a single train run, in-process on the tiny test BERT: several heads and several
// label columns over one encoder pass, eval and predict of an exported head, and bad input (one line on stderr,
// non-zero exit) for each kind of mistake.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/heads/safetensors';
import { writeTinyBert } from '../../tools/make-tiny-bert';
import { runCli as run, sentimentRows as rows } from '../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-cmds-'));
const model = join(dir, 'tiny-bert');
const otherModel = join(dir, 'tiny-bert-other');
const data = join(dir, 'data.tsv');
const dev = join(dir, 'dev.tsv');
const M = ['--model', model];

beforeAll(async () => {
  process.env.LABELTUNE_CACHE_DIR = join(dir, 'cache');
  await writeTinyBert(model);
  await writeTinyBert(otherModel, 12345);
  writeFileSync(data, `text\tsentiment\ttopic\n${rows(60, 0)}\n`);
  writeFileSync(dev, `text\tsentiment\ttopic\n${rows(20, 1)}\n`);
});

afterEach(() => vi.restoreAllMocks());

function cacheEntries(): number {
  const walk = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? walk(join(d, e.name)) : 1), 0);
  return walk(join(dir, 'cache'));
}

describe('several heads and tasks over one encoder pass', () => {
  it('train --head ytuning,linear,label: one encoder pass, a report and a file per head', async () => {
    const out = join(dir, 'multi.safetensors');
    const r = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'ytuning,linear,label', '--epochs', '2', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    const reports = JSON.parse(r.out);
    expect(reports.map((x: { head: string }) => x.head)).toEqual(['ytuning', 'linear', 'label']);
    for (const x of reports) {
      expect(x).toMatchObject({ command: 'train', labels: ['neg', 'pos'], train_examples: 60, dev_examples: 20, out: join(dir, `multi.${x.head}.safetensors`) });
      // 60 train + 20 dev texts, each encoded once for all three heads (a fresh cache: nothing cached yet).
      expect(x.timings).toMatchObject({ distinct_texts: 80, cached: 0 });
      expect(readSafetensors(new Uint8Array(readFileSync(x.out))).metadata.kind).toBe(x.head);
    }
    const entries = cacheEntries();
    expect(entries).toBeGreaterThan(0);
    // The linear probe separates this data.
    expect(reports[1].dev.accuracy).toBeGreaterThan(0.7);
    // Human output: a comparison table with one row per head; the cache now serves every text.
    const t = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'linear,label', '--epochs', '1', '--lr', '0.05']);
    expect(t.code, t.err).toBe(0);
    const lines = t.out.split('\n');
    expect(lines[0]).toMatch(/^head\s+dev acc %\s+macro-F1\s+dev loss\s+best epoch\s+train s/);
    expect(lines[2]).toMatch(/^linear\s+\d+\.\d\d/);
    expect(lines[3]).toMatch(/^label\s+\d+\.\d\d/);
    expect(t.out).toMatch(/80 distinct texts, 80 from the feature cache, shared by 2 runs/);
    expect(cacheEntries()).toBe(entries);
  });

  it('train --label sentiment,topic: one head per label column over the same encoded texts', async () => {
    const out = join(dir, 'tasks.safetensors');
    const r = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment,topic', '--head', 'linear', '--epochs', '2', '--lr', '0.05', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const reports = JSON.parse(r.out);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatchObject({ label_column: 'sentiment', labels: ['neg', 'pos'], out: join(dir, 'tasks.sentiment.safetensors') });
    expect(reports[1]).toMatchObject({ label_column: 'topic', labels: ['film', 'other'], out: join(dir, 'tasks.topic.safetensors') });
    expect(reports[1].timings.distinct_texts).toBe(80);
    const { metadata } = readSafetensors(new Uint8Array(readFileSync(reports[1].out)));
    expect(JSON.parse(metadata.labels)).toEqual(['film', 'other']);
    expect(JSON.parse(metadata.training).label_column).toBe('topic');
  });
});

describe('eval and predict with an exported head', () => {
  const head = join(dir, 'eval-head.safetensors');
  let trained: { dev: { accuracy: number; confusion: number[][]; loss: number } };

  beforeAll(async () => {
    const r = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '3', '--lr', '0.05', '--out', head, '--json']);
    expect(r.code, r.err).toBe(0);
    trained = JSON.parse(r.out);
  });

  it('eval --json gives the dev metrics the trainer reported, per class, with timings, adapter and EP', async () => {
    const r = await run(['eval', '--head-file', head, '--data', dev, ...M, '--label', 'sentiment', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    const e = JSON.parse(r.out);
    expect(e).toMatchObject({ command: 'eval', head: 'linear', labels: ['neg', 'pos'], examples: 20 });
    expect(e.metrics.accuracy).toBe(trained.dev.accuracy);
    expect(e.metrics.confusion).toEqual(trained.dev.confusion);
    expect(e.metrics.loss).toBeCloseTo(trained.dev.loss, 4);
    expect(e.metrics.per_class.neg.support + e.metrics.per_class.pos.support).toBe(20);
    expect(e.encoder.ep).toBe('cpu');
    expect(typeof e.adapter.isFallbackAdapter).toBe('boolean');
    expect(e.timings.cached).toBe(20);
    expect(e.timings.eval_s).toBeGreaterThan(0);
  });

  it('eval prints accuracy, the per-class table and the confusion matrix', async () => {
    const r = await run(['eval', '--head-file', head, '--data', dev, ...M, '--label', 'sentiment']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`accuracy ${(trained.dev.accuracy * 100).toFixed(2)}%  macro-F1 \\d+\\.\\d\\d  \\(20 examples, 2 labels\\)`));
    expect(r.out).toMatch(/label\s+precision\s+recall\s+F1\s+support/);
    expect(r.out).toMatch(/^neg\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+$/m);
    const [n0, n1] = trained.dev.confusion[0];
    expect(r.out).toMatch(new RegExp(`^neg\\s+${n0}\\s+${n1}$`, 'm'));
    expect(r.out).toMatch(/true \\ predicted\s+neg\s+pos/);
  });

  it('predict writes a properly quoted CSV with p_<label> columns, and correct/accuracy when labels exist', async () => {
    const input = join(dir, 'predict.csv');
    const texts = ['a great, "fun" movie', 'bad\nand boring', 'good great fun 7'];
    writeFileSync(input, Papa.unparse({ fields: ['id', 'review', 'sentiment'], data: texts.map((t, i) => [String(i), t, i === 1 ? 'neg' : 'pos']) }));
    const out = join(dir, 'preds.csv');
    const r = await run(['predict', '--head-file', head, '--data', input, '--text', 'review', ...M, '--out', out]);
    expect(r.code, r.err).toBe(0);
    const parsed = Papa.parse<Record<string, string>>(readFileSync(out, 'utf8'), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(['review', 'sentiment', 'predicted', 'p_neg', 'p_pos', 'correct']);
    expect(parsed.data.map((x) => x.review)).toEqual(texts);
    let correct = 0;
    for (const x of parsed.data) {
      const pNeg = Number(x.p_neg);
      const pPos = Number(x.p_pos);
      expect(pNeg + pPos).toBeCloseTo(1, 5);
      expect(x.predicted).toBe(pPos > pNeg ? 'pos' : 'neg');
      expect(x.correct).toBe(String(x.predicted === x.sentiment));
      if (x.correct === 'true') correct++;
    }
    expect(r.out).toContain(`3 predictions by the linear head; accuracy ${((100 * correct) / 3).toFixed(2)}% (${correct}/3, column 'sentiment'); wrote ${out}`);
  });

  it('predict without a label column writes to stdout; the predictions match eval on the same texts', async () => {
    const input = join(dir, 'unlabelled.tsv');
    const devRows = readFileSync(dev, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    writeFileSync(input, `text\n${devRows.map((r) => r[0]).join('\n')}\n`);
    const r = await run(['predict', '--head-file', head, '--data', input, ...M]);
    expect(r.code, r.err).toBe(0);
    const parsed = Papa.parse<Record<string, string>>(r.out, { header: true, skipEmptyLines: true });
    expect(parsed.meta.fields).toEqual(['text', 'predicted', 'p_neg', 'p_pos']);
    expect(parsed.data).toHaveLength(20);
    const right = parsed.data.filter((x, i) => x.predicted === devRows[i][1]).length;
    expect(right / 20).toBe(trained.dev.accuracy);
    expect(r.err).toBe('20 predictions by the linear head');
  });
});

describe('bad input: one line on stderr and a non-zero exit', () => {
  it('names each mistake', async () => {
    const head = join(dir, 'bad-input-head.safetensors');
    const made = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'label', '--epochs', '1', '--out', head]);
    expect(made.code, made.err).toBe(0);
    const file = (name: string, text: string | Uint8Array) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const oneClass = file('one-class.tsv', `text\tlabel\n${['a good film', 'great fun', 'so good'].map((t) => `${t}\tpos`).join('\n')}\n`);
    const emptyRows = file('empty-rows.csv', 'text,label\n"",pos\n"  ",neg\n"",pos\n');
    const emptyTexts = file('empty-texts.csv', 'id,text\n1,\n2, \n');
    const devUnseen = file('dev-unseen.tsv', 'text\tsentiment\na fine film\tpos\nso so\tmaybe\n');
    const notHead = file('not-a-head.safetensors', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const otherFormat = file('other.safetensors', writeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } }, { format: 'pt' }));
    const otherEncoderHead = join(dir, 'other-encoder-head.safetensors');
    const o = await run(['train', '--data', data, '--dev', dev, '--model', otherModel, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--out', otherEncoderHead]);
    expect(o.code, o.err).toBe(0);
    const cases: [string[], number, RegExp][] = [
      [['eval', '--head-file', join(dir, 'nope.safetensors'), '--data', dev, ...M], 2, /cannot read .*nope\.safetensors: no such file/],
      [['eval', '--head-file', head, '--data', join(dir, 'missing.tsv'), ...M], 2, /cannot read .*missing\.tsv: no such file/],
      [['predict', '--head-file', head, '--data', join(dir, 'missing.tsv'), ...M], 2, /cannot read .*missing\.tsv: no such file/],
      [['eval', '--head-file', head, '--data', dev, ...M, '--label', 'nope'], 1, /The label column 'nope' is not in the file\. Its columns are 'text', 'sentiment', 'topic'/],
      [['predict', '--head-file', head, '--data', dev, ...M, '--text', 'body'], 1, /The text column 'body' is not in the file/],
      [['train', '--data', data, ...M, '--label', 'sentiment,nope'], 1, /The label column 'nope' is not in the file/],
      [['train', '--data', oneClass, ...M], 1, /Every one of the 3 examples has the label 'pos'.*at least two classes/],
      [['train', '--data', emptyRows, ...M, '--text', 'text', '--label', 'label'], 1, /No usable rows: all 3 rows were skipped/],
      [['predict', '--head-file', head, '--data', emptyTexts, ...M, '--text', 'text'], 1, /No usable rows in .*empty-texts\.csv: the text column 'text' is empty in all 2 rows/],
      [['train', '--data', data, '--dev', devUnseen, ...M, '--label', 'sentiment'], 1, /The dev set has a label the training set never has: 'maybe' \(1 rows, line 3\)/],
      [['eval', '--head-file', head, '--data', devUnseen, ...M, '--label', 'sentiment'], 1, /dev-unseen\.tsv has labels the head was not trained on: 'maybe' \(1 rows, line 3\)\. The head's labels are 'neg', 'pos'/],
      [['predict', '--head-file', head, '--data', devUnseen, ...M, '--label', 'sentiment'], 1, /has labels the head was not trained on in column 'sentiment': 'maybe' \(line 3\)/],
      [['eval', '--head-file', notHead, '--data', dev, ...M], 1, /not-a-head\.safetensors is not a labeltune head .*safetensors: /],
      [['predict', '--head-file', otherFormat, '--data', dev, ...M], 1, /other\.safetensors is a safetensors file but not a labeltune head \(its format is "pt"/],
      [['eval', '--head-file', otherEncoderHead, '--data', dev, ...M, '--label', 'sentiment'], 1, /this head was trained on .*the loaded encoder is .*retrain \(choose the model with --model DIR\)/],
      [['eval', '--data', dev, ...M], 2, /eval needs --head-file FILE/],
      [['eval', '--head-file', head, '--data', dev, ...M, '--text-pair', 'topic'], 2, /--text-pair: the head in .* was trained on single texts/],
      [['train', '--data', data, ...M, '--head', 'linear,gpt'], 2, /unknown --head "gpt"/],
      [['train', '--data', data, ...M, '--head', 'linear,,label'], 2, /--head "linear,,label" has an empty entry/],
      [['train', '--data', data, ...M, '--head', 'linear,linear'], 2, /--head lists "linear" twice/],
      [['train', '--data', data, ...M, '--epochs', '0'], 2, /--epochs must be at least 1, got 0/],
      [['eval', '--head-file', head, '--data', dev, ...M, '--batch', '0'], 2, /--batch must be at least 1, got 0/],
      [['toString'], 2, /unknown command "toString"/],
      [['train', '--data', data, '--dev-split', '1.5', ...M], 2, /--dev-split must be a fraction between 0 and 1/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err, args.join(' ')).toMatch(msg);
      const lines = r.err.split('\n');
      expect(lines[0]).toMatch(/^labeltune: /);
      // Data and head-file errors are exactly one line; usage errors add the "--help" pointer.
      expect(lines.length, r.err).toBe(code === 2 ? 2 : 1);
    }
  });
});

describe('hostile and broken input (issue 12)', () => {
  it('a diverged run exits 1, reports it, and leaves the good head at --out untouched', async () => {
    const out = join(dir, 'keep.safetensors');
    const good = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--lr', '0.05', '--out', out]);
    expect(good.code, good.err).toBe(0);
    const before = readFileSync(out);
    const r = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '2', '--lr', '1e308', '--out', out, '--json']);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^labeltune: 1 of 1 run ended without a finite head: Training diverged .* was not written \(a file already there is unchanged\)\.$/);
    expect(JSON.parse(r.out)).toMatchObject({ out: null, stopped_by: 'diverged', failed: expect.stringMatching(/diverged/) });
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('eval refuses a head whose width is not the encoder\'s, naming both (not a GPU kernel error)', async () => {
    const head = join(dir, 'width-head.safetensors');
    const made = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--out', head]);
    expect(made.code, made.err).toBe(0);
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(head)));
    const C = tensors['param.W'].shape[0];
    const forged = join(dir, 'forged-width.safetensors');
    const config = { ...JSON.parse(metadata.config), C: C / 2 };
    writeFileSync(forged, writeSafetensors({ 'param.W': { shape: [C / 2, 2], data: new Float32Array(C) }, 'param.b': tensors['param.b'] }, { ...metadata, config: JSON.stringify(config) }));
    const r = await run(['eval', '--head-file', forged, '--data', dev, ...M, '--label', 'sentiment']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`this head reads ${C / 2}-wide encoder features, but .* gives ${C}-wide ones`));
  });

  it('a ~1 MB text in the first data row trains (the header is kept, the text cut before tokenising)', async () => {
    const big = join(dir, 'big-cell.tsv');
    writeFileSync(big, `text\tsentiment\ttopic\n${'blob'.repeat(250_000)}\tpos\tfilm\n${rows(60, 0)}\n`);
    const r = await run(['train', '--data', big, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ train_examples: 61, labels: ['neg', 'pos'] });
  });
});

describe('the encoder identity covers the tokenizer (issue 12 item 4)', () => {
  it('a changed tokenizer.json beside the same model.onnx misses the feature cache and refuses the old heads', async () => {
    const head = join(dir, 'tok-head.safetensors');
    const made = await run(['train', '--data', data, '--dev', dev, ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--out', head, '--json']);
    expect(made.code, made.err).toBe(0);
    // The same model.onnx and config.json; tokenizer.json no longer lowercases.
    const changed = join(dir, 'tiny-bert-cased');
    mkdirSync(changed, { recursive: true });
    for (const f of ['model.onnx', 'config.json']) copyFileSync(join(model, f), join(changed, f));
    const tok = JSON.parse(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
    tok.normalizer.lowercase = false;
    writeFileSync(join(changed, 'tokenizer.json'), JSON.stringify(tok));
    const again = await run(['train', '--data', data, '--dev', dev, '--model', changed, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--json']);
    expect(again.code, again.err).toBe(0);
    const [before, after] = [JSON.parse(made.out), JSON.parse(again.out)];
    expect(after.encoder.hash).not.toBe(before.encoder.hash);
    expect(after.timings).toMatchObject({ cached_train: 0, cached_dev: 0 }); // nothing read from the old tokenizer's entries
    const r = await run(['eval', '--head-file', head, '--data', dev, '--model', changed, '--label', 'sentiment']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/this head was trained on .*the loaded encoder is .*model, tokenizer and config/);
  });
});
