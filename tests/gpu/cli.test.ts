// The labeltune command in-process on the tiny test BERT: `train --json` prints one JSON object with metrics,
// timings, adapter and EP; a second run encodes nothing (feature cache); bad input is one line and a non-zero exit.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { importHead } from '../../src/heads/serialize';
import { testEngine } from '../helpers/gpu';
import { runCli } from '../helpers/cli-run';
import { writeTinyBert } from '../../tools/make-tiny-bert';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-'));
const model = join(dir, 'tiny-bert');
const data = join(dir, 'data.tsv');
const dev = join(dir, 'dev.tsv');

function rows(n: number, offset: number): string {
  const good = ['good great fun', 'a great movie', 'fun and good'];
  const bad = ['bad boring film', 'a bad movie', 'boring and bad'];
  return Array.from({ length: n }, (_, i) => {
    const pos = (i + offset) % 2 === 0;
    return `${(pos ? good : bad)[(i + offset) % 3]} ${i}\t${pos ? 'pos' : 'neg'}`;
  }).join('\n');
}

const run = runCli;

beforeAll(async () => {
  process.env.LABELTUNE_CACHE_DIR = join(dir, 'cache');
  await writeTinyBert(model);
  writeFileSync(data, `text\tlabel\n${rows(60, 0)}\n`);
  writeFileSync(dev, `text\tlabel\n${rows(20, 1)}\n`);
});

afterEach(() => vi.restoreAllMocks());

describe('labeltune command', () => {
  it('train --json reports metrics, timings, adapter and EP; a rerun hits the feature cache', async () => {
    const args = ['train', '--data', data, '--dev', dev, '--model', model, '--head', 'linear', '--epochs', '3', '--lr', '0.05', '--json'];
    const r = await run(args);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ command: 'train', head: 'linear', labels: ['neg', 'pos'], train_examples: 60, dev_examples: 20 });
    // Above what always answering the most frequent dev label scores (a constant predictor), not above 0.5.
    const support = (report.dev.confusion as number[][]).map((row) => row.reduce((a, b) => a + b, 0));
    const majority = Math.max(...support) / support.reduce((a, b) => a + b, 0);
    expect(report.dev.accuracy).toBeGreaterThan(majority);
    expect(report.encoder.ep).toBe('cpu');
    expect(typeof report.adapter.isFallbackAdapter).toBe('boolean');
    expect(report.timings.cached_train).toBe(0);
    const again = JSON.parse((await run(args)).out);
    expect(again.timings.cached_train).toBe(60);
    expect(again.timings.cached_dev).toBe(20);
  });

  it('train --out writes the best head as one .safetensors file that imports for the same encoder only', async () => {
    const out = join(dir, 'head.safetensors');
    const r = await run(['train', '--data', data, '--dev', dev, '--model', model, '--head', 'ytuning', '--epochs', '2', '--out', out, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.out).toBe(out);
    const e = await testEngine();
    const { head, meta } = importHead(e, new Uint8Array(readFileSync(out)), { encoderHash: report.encoder.hash });
    expect(head.kind).toBe('ytuning');
    expect(meta).toMatchObject({ labels: ['neg', 'pos'], encoder: { name: report.encoder.name, hash: report.encoder.hash }, tokenizer: { tmax: report.encoder.tmax, pair: 'none' } });
    expect(meta.metrics.accuracy).toBe(report.dev.accuracy);
    head.dispose();
    expect(() => importHead(e, new Uint8Array(readFileSync(out)), { encoderHash: '0'.repeat(64), encoderName: 'other' })).toThrow(/the loaded encoder is other .*retrain/);
  });

  it('trains the L-Tuning heads with the match objective', async () => {
    for (const head of ['label-attn-prefix', 'label-attn-prompt']) {
      const r = await run(['train', '--data', data, '--dev', dev, '--model', model, '--head', head, '--epochs', '2', '--json']);
      expect(r.code, r.err).toBe(0);
      const report = JSON.parse(r.out);
      expect(report.head).toBe(head);
      expect(Number.isFinite(report.dev.loss)).toBe(true); // trained without diverging; learning is tested in tests/gpu/ltuning.test.ts
      expect(report.stopped_by).toBe('epochs');
    }
  });

  it('bad input is one line on stderr and a non-zero exit', async () => {
    const cases: [string[], number, RegExp][] = [
      [['train', '--data', join(dir, 'missing.csv'), '--model', model], 2, /cannot read .*missing\.csv: no such file/],
      [['train', '--data', data, '--model', model, '--label', 'nope'], 1, /nope/],
      [['train', '--data', data, '--model', model, '--head', 'gpt'], 2, /unknown --head "gpt"/],
      [['train', '--data', data, '--model', model, '--epochs', 'many'], 2, /--epochs must be a non-negative integer/],
      [['fly'], 2, /unknown command "fly"/],
      [['train', '--data', data, '--model', model, '--label-texts', 'pos=good,maybe=so-so'], 2, /--label-texts: no label "maybe" in the data \(labels: 'neg', 'pos'\)/],
      [['train', '--data', data, '--model', model, '--label-texts', 'positive'], 2, /--label-texts: "positive" is not name=text/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err).toMatch(msg);
      expect(r.err.split('\n')[0]).toMatch(/^labeltune: /);
    }
  });
});

describe('label texts', () => {
  it('default to the names; name=text pairs replace them and are exported with the head', async () => {
    const { parseLabelTexts } = await import('../../src/cli/main');
    expect(parseLabelTexts(undefined, ['neg', 'pos'])).toEqual(['neg', 'pos']);
    expect(parseLabelTexts('pos=a positive review', ['neg', 'pos'])).toEqual(['neg', 'a positive review']);
  });
});
