// Multi-label label cells: several labels per row, written as a JSON array (`["a","b"]`), a delimited list
// ("a,b", "a|b", "a;b"), or one 0/1 column per label; label ids may be named by a separate list (GoEmotions'
// labels.txt: line i names id i). Design decision: detection is conservative — a delimiter counts only when
// some cells hold it AND at least half the pieces it yields also occur as whole single-label cells elsewhere (so a
// free-text column with commas, or a label like "Sci/Tech", is never split); the CLI's --multi-label and
// --label-sep, and the studio's Data step, override it.
import { DataError, fmtCount, listLines, listNames } from './errors';
import { isNumeric } from './header';

/** How a label cell lists its labels: a delimiter, or a JSON array. */
export type LabelSep = ',' | '|' | ';' | 'json';
export const LABEL_SEPS: readonly LabelSep[] = ['json', '|', ';', ','];

export function isLabelSep(s: string): s is LabelSep {
  return (LABEL_SEPS as readonly string[]).includes(s);
}

function jsonList(cell: string): string[] | null {
  const s = cell.trim();
  if (!s.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map((x) => String(x).trim());
  } catch {
    /* not JSON */
  }
  return null;
}

/**
 * The labels of one cell as written (trimmed, empty pieces dropped, repeats kept: buildDataset keeps each label
 * once and notes the row). With 'json' a cell that is not a JSON array is one label (single-label rows may be
 * plain strings).
 */
export function splitLabelPieces(cell: string, sep: LabelSep): string[] {
  const parts = sep === 'json' ? (jsonList(cell) ?? [cell.trim()]) : cell.split(sep).map((p) => p.trim());
  return parts.filter((p) => p !== '');
}

/** The labels of one cell, each once (first occurrence order). */
export function splitLabelCell(cell: string, sep: LabelSep): string[] {
  return [...new Set(splitLabelPieces(cell, sep))];
}

/** A list with each label once, and the labels it listed more than once with how often. */
export function dedupeLabels(list: readonly string[]): { labels: string[]; repeated: [string, number][] } {
  const n = new Map<string, number>();
  for (const l of list) n.set(l, (n.get(l) ?? 0) + 1);
  return { labels: [...n.keys()], repeated: [...n].filter(([, c]) => c > 1) };
}

/**
 * The delimiter a label column uses for several labels per row, or null for a single-label column. JSON: some
 * cells are JSON arrays of strings/numbers. A delimiter: at least one cell holds it, every piece is short, and at
 * least 60% of the distinct pieces also appear as a whole cell without any delimiter.
 */
export function detectLabelSep(values: readonly string[], known?: readonly string[]): LabelSep | null {
  const cells = values.map((v) => v.trim()).filter((v) => v !== '');
  if (cells.length === 0) return null;
  const json = cells.filter((c) => c.startsWith('['));
  if (json.length > 0 && json.every((c) => jsonList(c) !== null)) return 'json';
  let best: { sep: LabelSep; cells: number } | null = null;
  for (const sep of ['|', ';', ','] as const) {
    const multi = cells.filter((c) => c.includes(sep));
    if (multi.length === 0) continue;
    const pieces = new Set(multi.flatMap((c) => splitLabelCell(c, sep)));
    if ([...pieces].some((p) => p.length > 40)) continue;
    const whole = new Set([...cells.filter((c) => !/[|;,]/.test(c)), ...(known ?? []), ...(known ?? []).map((_, i) => String(i))]);
    const covered = [...pieces].filter((p) => whole.has(p)).length;
    if (covered < 0.5 * pieces.size) continue;
    if (!best || multi.length > best.cells) best = { sep, cells: multi.length };
  }
  return best?.sep ?? null;
}

/**
 * A list of label names, one per line (a `labels.txt`): blank lines at the end are ignored; an empty name in the
 * middle or a name listed twice is an error naming its lines.
 */
export function parseLabelNames(text: string, file = 'the label-name list'): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).map((l) => l.trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new DataError('bad-label-names', `${file} is empty: write one label name per line (line i names label id i, from 0).`);
  const blank = lines.flatMap((l, i) => (l === '' ? [i + 1] : []));
  if (blank.length) throw new DataError('bad-label-names', `${file} has an empty name on ${listLines(blank)}: write one label name per line (line i names label id i, from 0).`, blank);
  const first = new Map<string, number>();
  const dups: string[] = [];
  const dupLines: number[] = [];
  lines.forEach((l, i) => {
    if (first.has(l)) {
      dups.push(`'${l}' (lines ${first.get(l)! + 1} and ${i + 1})`);
      dupLines.push(i + 1);
    } else first.set(l, i);
  });
  if (dups.length) throw new DataError('bad-label-names', `${file} names ${dups.length === 1 ? 'a label' : 'labels'} twice: ${dups.slice(0, 10).join(', ')}. Each label needs one line; remove the repeat.`, dupLines);
  return lines;
}

/**
 * Label ids -> names through a label-name list: every label must be an integer id in [0, names.length). Throws
 * 'unknown-label' naming the values that are not and their lines.
 */
export function nameLabelIds(lists: readonly string[][], lines: readonly number[], names: readonly string[]): string[][] {
  const bad = new Map<string, number[]>();
  const out = lists.map((list, i) =>
    list.map((v) => {
      const id = Number(v);
      if (isNumeric(v) && Number.isInteger(id) && id >= 0 && id < names.length) return names[id];
      if (names.includes(v)) return v; // already a name
      const l = bad.get(v);
      if (l) l.push(lines[i]);
      else bad.set(v, [lines[i]]);
      return v;
    }),
  );
  if (bad.size) {
    const parts = [...bad].slice(0, 10).map(([v, ls]) => `'${v}' (${fmtCount(ls.length)} rows, ${listLines(ls, 5)})`);
    throw new DataError(
      'unknown-label',
      `Labels that are neither an id of the label-name list (0 to ${names.length - 1}) nor one of its names: ${parts.join(', ')}. The names are ${listNames(names, 20)}. Fix those rows or the list.`,
      [...bad.values()].flat().sort((a, b) => a - b).slice(0, 20),
    );
  }
  return out;
}

/** True for a cell of a 0/1 indicator column. */
function indicator(v: string): 0 | 1 | null {
  const s = v.trim().toLowerCase();
  if (s === '1' || s === 'true' || s === '1.0') return 1;
  if (s === '0' || s === 'false' || s === '0.0' || s === '') return 0;
  return null;
}

/**
 * The label lists of rows from one 0/1 column per label (`columns` = their indices, `names` their labels). A
 * value other than 0/1 (true/false, empty = 0) is an error naming the column and lines.
 */
export function indicatorLists(rows: readonly string[][], lines: readonly number[], columns: readonly number[], names: readonly string[]): string[][] {
  const bad: string[] = [];
  const badLines: number[] = [];
  const out = rows.map((row, i) =>
    columns.flatMap((j, k) => {
      const v = indicator(row[j] ?? '');
      if (v === null) {
        if (bad.length < 5) bad.push(`'${row[j]}' in column '${names[k]}' (line ${lines[i]})`);
        badLines.push(lines[i]);
        return [];
      }
      return v ? [names[k]] : [];
    }),
  );
  if (bad.length) throw new DataError('bad-option', `One 0/1 column per label needs 0 or 1 in every cell; found ${bad.join(', ')}${badLines.length > 5 ? ` and ${fmtCount(badLines.length - 5)} more` : ''}. Fix those cells, or pick the label columns again.`, badLines.slice(0, 20));
  return out;
}
