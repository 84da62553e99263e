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
      expect(r.err).toMatch(new RegExp(`^labeltune: unknown command "${name}" \\(commands: train, eval, predict, encode, export, embed, suggest\\)`));
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

describe('rows the parser repaired, dropped or skipped are printed with their lines', () => {
  it('ragged rows, bad JSON lines, empty texts and near-duplicate labels each get a warning on stderr', async () => {
    // --label-texts names no label: the command stops (exit 2) right after reading the data, before the encoder.
    const clean = Array.from({ length: 30 }, (_, i) => `clean text ${i},t${i},${i % 2 ? 'pos' : 'neg'},${i % 3 ? 'a' : 'b'}`).join('\n');
    const csv = file('messy.csv', `text,text,label,kind\na fine film,x,pos,a\ndull,y,neg,b,extra\n,z,pos,a\ngreat fun,w,Pos,b\nslow\rboring,v,neg,a\n${clean}\n`);
    // Two label columns read the file twice: each warning is printed once.
    const r = await run(['train', '--data', csv, '--label', 'label,kind', '--label-texts', 'nope=x']);
    expect(r.code, r.err).toBe(2);
    const all = r.err.split('\n').filter((l) => l.startsWith('labeltune: warning: '));
    // Labels with too few examples (src/data/label-support.ts) are warned about per label column, once each.
    const support = all.filter((l) => / few (training|dev) examples /.test(l));
    expect(support.filter((l) => l.includes("(label column 'label'): few training examples (under 10) for 'Pos' (1)"))).toHaveLength(1);
    expect(new Set(support).size).toBe(support.length);
    const warnings = all.filter((l) => !support.includes(l));
    expect(warnings).toEqual([
      `labeltune: warning: ${csv}: line 1: the header names 'text' twice (columns 1 and 2): the second is read as 'text (2)'. Rename one of them.`,
      // The lone \r on line 6 is a line break: 'slow' is a row of its own (1 field), not glued to the next row.
      `labeltune: warning: ${csv}: 2 rows: a different number of fields than the header, padded or cut (lines 3, 6). First: line 3 has 5 fields but the header has 4: the extra ('extra') were dropped. A delimiter inside a field? Quote the field.`,
      `labeltune: warning: ${csv}: line 4: the text column 'text' is empty, so the row was skipped. Fill in the text or delete the row.`,
      `labeltune: warning: ${csv}: line 6: the label column 'label' is empty, so the row was skipped. Give the row a label or delete it.`,
      `labeltune: warning: ${csv}: labels 'Pos' (1 row) and 'pos' (16 rows) differ only in case, spacing or punctuation, and are trained as separate classes. If they are one class, write them the same way.`,
      `labeltune: warning: ${csv}: line 6: the label column 'kind' is empty, so the row was skipped. Give the row a label or delete it.`,
    ]);
    const jsonlRows = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `clean text ${i}`, label: i % 2 ? 'pos' : 'neg' })).join('\n');
    const jsonl = file('messy.jsonl', `{"text":"a fine film","label":"pos"}\n{"text": broken\n{"text":"dull","label":"neg"}\n[1,2]\n${jsonlRows}\n`);
    const j = await run(['train', '--data', jsonl, '--label-texts', 'nope=x', '--json']);
    expect(j.code).toBe(2);
    const [bad, notObject] = j.err.split('\n');
    expect(bad.startsWith(`labeltune: warning: ${jsonl}: line 2 is not valid JSON (`) && bad.endsWith('): skipped.'), bad).toBe(true);
    expect(notObject).toBe(`labeltune: warning: ${jsonl}: line 4 is an array, not an object like {"text": "...", "label": "..."}: skipped.`);
  });

  it('a multi-label cell that lists a label twice gets a warning naming the line, the label and "kept once"', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `text number ${i}\t${['joy', 'sad', 'joy,sad'][i % 3]}`);
    const data = file('repeats.tsv', `text\tlabel\n${rows.join('\n')}\na happy sad day\tjoy,sad,joy\n`);
    const r = await run(['train', '--data', data, '--multi-label', '--label-texts', 'nope=x']);
    expect(r.code, r.err).toBe(2);
    const warnings = r.err.split('\n').filter((l) => l.startsWith('labeltune: warning: ') && !/ few (training|dev) examples /.test(l));
    expect(warnings).toEqual([`labeltune: warning: ${data}: line 32: the label cell 'joy,sad,joy' lists 'joy' twice: kept once. If the row should carry another label, fix the cell.`]);
    // two rows: one summary sentence with both lines
    const two = file('repeats2.tsv', `text\tlabel\n${rows.join('\n')}\na happy sad day\tjoy,sad,joy\nsad sad sad\tsad,sad\n`);
    const r2 = await run(['train', '--data', two, '--multi-label', '--label-texts', 'nope=x']);
    expect(r2.err).toContain(`labeltune: warning: ${two}: 2 rows: a label listed twice in its cell, kept once (lines 32, 33). First: line 32: the label cell 'joy,sad,joy' lists 'joy' twice: kept once.`);
  });
});
