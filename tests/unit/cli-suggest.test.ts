// `labeltune suggest`: its refusals before any encoder or GPU work (usage flags, a file that is not a head, a
// missing data file), and its pure output pieces (top labels, the bounded human table). The full command on a
// trained head runs in tests/gpu/cli-suggest.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { suggestLines, suggestTable } from '../../src/cli/suggest-cmd';
import { runCli as run } from '../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-suggest-'));
afterEach(() => vi.restoreAllMocks());

describe('suggest: bad input', () => {
  const data = join(dir, 'texts.tsv');
  writeFileSync(data, 'text\nsome text\nmore text\n');
  const notHead = join(dir, 'not-a-head.safetensors');
  writeFileSync(notHead, 'hello, this is not a safetensors file at all');
  it('usage errors (exit 2, one line + the help hint), before any file is read', async () => {
    const h = join(dir, 'never-read.safetensors');
    const cases: [string[], RegExp][] = [
      [['suggest', '--data', data], /suggest needs --head-file FILE/],
      [['suggest', '--head-file', h], /suggest needs --data FILE/],
      [['suggest', '--head-file', h, '--data', data, '--k', '0'], /--k must be at least 1, got 0/],
      [['suggest', '--head-file', h, '--data', data, '--k', 'ten'], /--k must be a non-negative integer, got "ten"/],
      [['suggest', '--head-file', h, '--data', data, '--k', '5000'], /--k must be at most 1000, got 5000 \(to score every row, use "labeltune predict"\)/],
      [['suggest', '--head-file', h, '--data', data, '--by', 'luck'], /--by must be one of margin, entropy, got "luck"/],
      [['suggest', '--head-file', h, '--data', data, '--top', '0'], /--top must be at least 1, got 0/],
      [['suggest', '--head-file', h, '--data', data, '--diversity'], /Unknown option '--diversity'/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err.split('\n')).toHaveLength(2);
    }
  });
  it('a file that is not a head (exit 1) and a missing file (a usage error, as in every command): one line naming the file', async () => {
    let r = await run(['suggest', '--head-file', notHead, '--data', data]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(notHead);
    expect(r.err.split('\n')).toHaveLength(1);
    r = await run(['suggest', '--head-file', join(dir, 'missing.safetensors'), '--data', data]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/cannot read \S+missing\.safetensors: no such file/);
  });
});

describe('suggest: output', () => {
  const probs = Float32Array.from([0.5, 0.3, 0.2, /**/ 0.1, 0.1, 0.8]);
  const rows = [{ text: 'first \x1b[2J text' }, { text: 'x'.repeat(300), textPair: 'b' }];
  it('top labels by probability, the file line of each row', () => {
    const s = suggestLines([{ row: 1, score: 0.3 }, { row: 0, score: 0.8 }], probs, ['a', 'b', 'c'], rows, [7, 9], 2);
    expect(s[0]).toMatchObject({ rank: 1, line: 9, top: [{ label: 'c' }, { label: 'a' }], textPair: 'b' });
    expect(s[0].top[0].p).toBeCloseTo(0.8, 6);
    expect(s[1]).toMatchObject({ rank: 2, line: 7, top: [{ label: 'a' }, { label: 'b' }] });
    expect(s[1].textPair).toBeUndefined();
  });
  it('the table clips long texts and escapes control bytes', () => {
    const s = suggestLines([{ row: 0, score: 0.8 }, { row: 1, score: 0.3 }], probs, ['a', 'b', 'c'], rows, [2, 3], 3);
    const t = suggestTable(s, 'margin');
    expect(t[0]).toMatch(/^#\s+line\s+margin\s+top labels\s+text/);
    expect(t[2]).toMatch(/^1\s+2\s+0\.800\s+a 50\.0%, b 30\.0%, c 20\.0%\s+first \\x1b\[2J text/);
    expect(t[3]).toContain(`${'x'.repeat(120)}…`);
    expect(t[3]).not.toContain('x'.repeat(121));
    expect(Math.max(...t.map((l) => l.length))).toBeLessThan(260);
  });
});
