// What a loaded dataset should tell its user although nothing failed: the rows the parser repaired or dropped
// (ragged rows, bad quotes, broken JSON lines, a repeated header name), the rows skipped for an empty text or
// label, and labels that differ only in case, spacing or punctuation ('Pos' / 'pos'), which silently become
// separate classes. Design decision: plain sentences with line numbers, capped like every other summary
// (summarizeIssues), so the CLI prints them as they are and the studio can list them.
import { fmtCount, summarizeIssues } from './errors';
import type { Dataset, ParsedTable } from './types';

/** The most near-duplicate label groups one warning names. */
const MAX_GROUPS = 5;

/** A label's spelling-insensitive form: NFKC, lower case, runs of spaces/underscores/hyphens/dots as one space. */
export function labelKey(label: string): string {
  return label.normalize('NFKC').toLowerCase().replace(/[\s_\-.]+/g, ' ').trim();
}

/** Groups of 2+ label indices whose names differ only in case, spacing or punctuation (in label order). */
export function nearDuplicateLabels(labels: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  labels.forEach((l, k) => {
    const key = labelKey(l);
    const g = groups.get(key);
    if (g) g.push(k);
    else groups.set(key, [k]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
}

const rows = (n: number) => `${fmtCount(n)} ${n === 1 ? 'row' : 'rows'}`;

/** Sentences about repaired, dropped and skipped rows and near-duplicate labels; [] when there is nothing to say. */
export function datasetWarnings(table: ParsedTable, ds: Dataset): string[] {
  const out = [...summarizeIssues(table.issues), ...summarizeIssues(ds.skipped)].map((s) => s.message);
  const groups = nearDuplicateLabels(ds.labels);
  if (groups.length > 0) {
    const named = groups.slice(0, MAX_GROUPS).map((g) => g.map((k) => `'${ds.labels[k]}' (${rows(ds.counts[k])})`).join(' and '));
    const more = groups.length > MAX_GROUPS ? ` and ${fmtCount(groups.length - MAX_GROUPS)} more groups` : '';
    out.push(
      `labels ${named.join('; ')}${more} differ only in case, spacing or punctuation, and are trained as separate classes. If they are one class, write them the same way.`,
    );
  }
  return out;
}
