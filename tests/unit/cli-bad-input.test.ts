// The labeltune command's refusals that come before any encoder or GPU work: command names, usage flags, data
// files the parser cannot read cleanly. (Refusals that need a trained head or the encoder live in
// tests/gpu/cli-commands.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli as run } from '../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-bad-'));
const file = (name: string, text: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

afterEach(() => vi.restoreAllMocks());

describe('command names', () => {
  it('Object.prototype names are unknown commands (exit 2), not silent no-ops', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const r = await run([name]);
      expect(r.code, name).toBe(2);
      expect(r.err).toMatch(new RegExp(`^labeltune: unknown command "${name}" \\(commands: train, eval, predict, encode, export, embed\\)`));
    }
  });
});

describe('usage flags', () => {
  it('--epochs 0 and --batch 0 are usage errors (exit 2), caught before any file is read', async () => {
    const data = join(dir, 'never-read.tsv');
    const cases: [string[], RegExp][] = [
      [['train', '--data', data, '--epochs', '0'], /--epochs must be at least 1, got 0/],
      [['train', '--data', data, '--batch', '0'], /--batch must be at least 1, got 0/],
      [['train', '--data', data, '--tmax', '0'], /--tmax must be at least 1, got 0/],
      [['encode', '--data', data, '--tmax', '0'], /--tmax must be at least 1, got 0/],
      [['train', '--data', data, '--dev-split', '1'], /--dev-split must be a fraction between 0 and 1 \(exclusive\), got 1/],
      [['train', '--data', data, '--lr', '0'], /--lr must be a positive number, got 0/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err.split('\n')).toHaveLength(2);
    }
  });
});

describe('names from files reach the terminal without raw control bytes', () => {
  it('an error listing column names escapes ESC, C1 and bidi controls and newlines', async () => {
    const data = file('escapes.tsv', 'text\tla\x1b[2Jbel\x9b\u202e\nsome text here\tpos\nmore text here\tneg\n');
    const r = await run(['train', '--data', data, '--label', 'nope']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/The label column 'nope' is not in the file\. Its columns are 'text', 'la\\x1b\[2Jbel\\x9b\\u202e'/);
    expect(r.err).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('bounded error lines', () => {
  it('an error about 900 labels lists a few of them, not all (one short line)', async () => {
    const rows = Array.from({ length: 1800 }, (_, i) => `text number ${i}\t${'L'.repeat(60)}${i % 900}`);
    const data = file('many-long-labels.tsv', `text\tlabel\n${rows.join('\n')}\n`);
    const r = await run(['train', '--data', data, '--text', 'text', '--label', 'label', '--label-texts', 'nope=a nope text']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--label-texts: no label "nope" in the data \(labels: 'L+0', 'L+1', .* and 890 more\)/);
    expect(r.err.length).toBeLessThan(5_000);
  });
});
