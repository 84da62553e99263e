// buildDataset(parsed, options): a parsed table -> examples with integer labels, the label map and counts;
// alignDev(train, dev): a separately loaded dev set re-indexed to the training set's labels.
// Design decision: rows with an empty text or label are skipped and reported with their line numbers (one bad
// row must not refuse a 67,000-row file); only file-level problems throw — an unknown column, no usable label
// column, a single class, a label column that looks like text, nothing left after skipping, or (with a fixed
// label order) labels the training set never has. Texts and labels are trimmed of surrounding whitespace.
// Label order: numeric labels numerically ('2' < '10'), else code-unit string order, so the same label set gets
// the same indices whatever order the rows come in (see BuildOptions.labelOrder to fix it instead).

import { guessColumns, MAX_LABELS, tooManyLabels } from './columns';
import { DataError, fmtCount, listLines, listNames, summarizeIssues, type DataIssue } from './errors';
import { isNumeric } from './header';
import { dedupeLabels, detectLabelSep, indicatorLists, nameLabelIds, splitLabelPieces, type LabelSep } from './multi-label';
import type { BuildOptions, Dataset, DatasetColumns, Example, ParsedTable } from './types';

function checkColumn(table: ParsedTable, name: string, role: string, flag: string): number {
  const j = table.columns.indexOf(name);
  if (j !== -1) return j;
  const near = table.columns.find((c) => c.toLowerCase() === name.toLowerCase());
  throw new DataError(
    'unknown-column',
    `The ${role} column '${name}' is not in the file. Its columns are ${listNames(table.columns, 20)}.` +
      (near ? ` Did you mean '${near}'?` : '') +
      ` Pick one of them (${flag} COLUMN).`,
  );
}

/** Numeric labels numerically, else code-unit order. */
export function sortLabels(labels: Iterable<string>): string[] {
  const list = [...labels];
  if (list.every(isNumeric)) return list.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** counts[k]: examples that carry label k (multi-label rows count once per label). */
export function countLabels(examples: readonly Example[], n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const e of examples) for (const k of e.labels ?? [e.label]) counts[k]++;
  return counts;
}

/** Resolves the columns: the given ones (checked), the rest from guessColumns(). */
function resolveColumns(table: ParsedTable, opts: BuildOptions): DatasetColumns {
  const labelColumn = opts.labelColumn ?? opts.labelColumns?.[0];
  if (opts.textColumn !== undefined) checkColumn(table, opts.textColumn, 'text', '--text');
  if (labelColumn !== undefined) checkColumn(table, labelColumn, 'label', '--label');
  if (typeof opts.textPairColumn === 'string') checkColumn(table, opts.textPairColumn, 'second text', '--text-pair');
  const needGuess = opts.textColumn === undefined || labelColumn === undefined;
  const guess = needGuess ? guessColumns(table, { text: opts.textColumn, label: labelColumn }) : null;
  const text = opts.textColumn ?? guess!.text;
  const label = labelColumn ?? guess!.label;
  // A guessed pair only comes with a guessed text column: `--text A` alone means a single-text task.
  const textPair = opts.textPairColumn === undefined ? (opts.textColumn === undefined ? guess!.textPair : undefined) : (opts.textPairColumn ?? undefined);
  return textPair !== undefined ? { text, textPair, label } : { text, label };
}

/** Every label of every row as one list per row (single-label: one entry). */
function labelLists(table: ParsedTable, keep: readonly number[], li: number, opts: BuildOptions): { lists: string[][]; multi: boolean; sep?: LabelSep; columns?: string[] } {
  if (opts.labelColumns) {
    const cols = opts.labelColumns.map((c) => checkColumn(table, c, 'label', '--label'));
    return { lists: indicatorLists(keep.map((i) => table.rows[i]), keep.map((i) => table.lines[i]), cols, opts.labelColumns), multi: true, columns: [...opts.labelColumns] };
  }
  const raw = keep.map((i) => table.rows[i][li].trim());
  const sep = opts.multiLabel === false ? null : (opts.labelSep ?? detectLabelSep(raw, opts.labelNames) ?? (opts.multiLabel ? ',' : null));
  if (sep === null) return { lists: raw.map((r) => [r]), multi: false };
  return { lists: raw.map((r) => splitLabelPieces(r, sep)), multi: true, sep };
}

/**
 * Turns a parsed table into a Dataset. Throws DataError: 'unknown-column', 'no-label-column', 'no-text-column',
 * 'bad-option' (one column in two roles), 'no-examples', 'too-many-labels', 'one-class', 'unseen-label',
 * 'unknown-label' (an id a label-name list does not name). Multi-label cells: ./multi-label.ts.
 */
export function buildDataset(table: ParsedTable, opts: BuildOptions = {}): Dataset {
  const columns = resolveColumns(table, opts);
  const ti = checkColumn(table, columns.text, 'text', '--text');
  const li = checkColumn(table, columns.label, 'label', '--label');
  const pi = columns.textPair !== undefined ? checkColumn(table, columns.textPair, 'second text', '--text-pair') : -1;
  const roles = [columns.text, ...(opts.labelColumns ?? [columns.label]), ...(columns.textPair !== undefined ? [columns.textPair] : [])];
  if (new Set(roles).size !== roles.length) {
    throw new DataError('bad-option', `The column '${roles.find((r, i) => roles.indexOf(r) !== i)}' is chosen for two roles (text ${columns.text}, label ${columns.label}${columns.textPair ? `, second text ${columns.textPair}` : ''}): pick a different column for each.`);
  }

  const skipped: DataIssue[] = [];
  const keep: number[] = [];
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    const line = table.lines[i];
    if (row[ti].trim() === '') {
      skipped.push({ code: 'empty-text', line, message: `line ${line}: the text column '${columns.text}' is empty, so the row was skipped. Fill in the text or delete the row.` });
      continue;
    }
    if (pi >= 0 && row[pi].trim() === '') {
      skipped.push({ code: 'empty-text', line, message: `line ${line}: the second text column '${columns.textPair}' is empty, so the row was skipped. Fill it in or delete the row.` });
      continue;
    }
    if (!opts.labelColumns && row[li].trim() === '') {
      skipped.push({ code: 'empty-label', line, message: `line ${line}: the label column '${columns.label}' is empty, so the row was skipped. Give the row a label or delete it.` });
      continue;
    }
    keep.push(i);
  }
  const found = labelLists(table, keep, li, opts);
  const texts: string[] = [];
  const pairs: string[] = [];
  let lists: string[][] = [];
  const lines: number[] = [];
  const cells: string[] = [];
  keep.forEach((i, k) => {
    const line = table.lines[i];
    if (found.lists[k].length === 0) {
      const where = found.columns ? `every label column (${listNames(found.columns, 5)}) is 0` : `the label cell '${table.rows[i][li].trim()}' lists no label`;
      skipped.push({ code: 'empty-label', line, message: `line ${line}: ${where}, so the row was skipped. Give the row at least one label or delete it.` });
      return;
    }
    texts.push(table.rows[i][ti].trim());
    if (pi >= 0) pairs.push(table.rows[i][pi].trim());
    lists.push(found.lists[k]);
    lines.push(line);
    cells.push(table.rows[i][li].trim());
  });

  if (texts.length === 0) {
    const why = summarizeIssues(skipped).map((s) => s.message).join(' ');
    throw new DataError('no-examples', `No usable rows: all ${fmtCount(table.rows.length)} rows were skipped. ${why}`, skipped.slice(0, 20).map((s) => s.line));
  }
  if (opts.labelNames) lists = nameLabelIds(lists, lines, opts.labelNames);
  lists = lists.map((list, i) => {
    const { labels, repeated } = dedupeLabels(list);
    if (repeated.length) {
      const what = repeated.map(([l, c]) => `'${l}' ${c === 2 ? 'twice' : `${c} times`}`).join(' and ');
      skipped.push({ code: 'repeated-label', line: lines[i], message: `line ${lines[i]}: the label cell '${cells[i]}' lists ${what}: kept once. If the row should carry another label, fix the cell.` });
    }
    return labels;
  });

  let labels: string[];
  const order = opts.labelOrder ?? opts.labelNames;
  if (order) {
    labels = [...order];
    const known = new Set(labels);
    const unseen = new Map<string, number[]>();
    lists.forEach((list, i) => {
      for (const l of list) {
        if (known.has(l)) continue;
        const seen = unseen.get(l);
        if (seen) seen.push(lines[i]);
        else unseen.set(l, [lines[i]]);
      }
    });
    if (unseen.size > 0) throw unseenError([...unseen], labels);
  } else {
    const distinct = new Set(lists.flat());
    if (tooManyLabels(distinct.size, lists.length)) {
      throw new DataError(
        'too-many-labels',
        `The label column '${columns.label}' has ${fmtCount(distinct.size)} distinct values in ${fmtCount(lists.length)} rows (at most ${fmtCount(MAX_LABELS)}, and at most half the rows, are allowed). ` +
          `Is it a text or id column? Pick the column that holds the classes (--label COLUMN).`,
      );
    }
    if (distinct.size < 2 && !found.multi) {
      throw new DataError(
        'one-class',
        `${lists.length === 1 ? 'The only example' : `Every one of the ${fmtCount(lists.length)} examples`} has the label '${lists[0][0]}' (column '${columns.label}'): a classifier needs at least two classes. ` +
          `Add examples of another class, or check that '${columns.label}' is the label column.`,
      );
    }
    if (distinct.size < 1) throw new DataError('one-class', `No label occurs in column '${columns.label}'.`);
    labels = sortLabels(distinct);
  }

  const index = new Map(labels.map((l, k) => [l, k]));
  const examples: Example[] = texts.map((text, i) => {
    const ids = lists[i].map((l) => index.get(l)!);
    const x: Example = pi >= 0 ? { text, textPair: pairs[i], label: ids[0], line: lines[i] } : { text, label: ids[0], line: lines[i] };
    if (found.multi) x.labels = [...ids].sort((a, b) => a - b);
    return x;
  });
  const ds: Dataset = { examples, labels, counts: countLabels(examples, labels.length), columns, skipped };
  if (found.multi) {
    ds.multiLabel = true;
    if (found.sep) ds.labelSep = found.sep;
    if (found.columns) ds.labelColumns = found.columns;
  }
  return ds;
}

function unseenError(unseen: [string, number[]][], known: readonly string[]): DataError {
  const parts = unseen.slice(0, 10).map(([l, ls]) => `'${l}' (${fmtCount(ls.length)} rows, ${listLines(ls, 5)})`);
  const more = unseen.length > 10 ? ` and ${fmtCount(unseen.length - 10)} more` : '';
  return new DataError(
    'unseen-label',
    `The dev set has ${unseen.length === 1 ? 'a label' : 'labels'} the training set never has: ${parts.join(', ')}${more}. ` +
      `The training labels are ${listNames(known, 20)}. Fix the dev labels, or drop those rows.`,
    unseen.flatMap(([, ls]) => ls).sort((a, b) => a - b).slice(0, 20),
  );
}

/**
 * Re-indexes a dev set (built on its own) to the training set's labels. Throws 'unseen-label' naming every dev
 * label the training set lacks, with the lines it is on. Training labels missing from dev are fine (count 0).
 */
export function alignDev(train: Dataset, dev: Dataset): Dataset {
  const index = new Map(train.labels.map((l, k) => [l, k]));
  const unseen = new Map<string, number[]>();
  if (!!train.multiLabel !== !!dev.multiLabel) {
    throw new DataError(
      'bad-option',
      `The training set is ${train.multiLabel ? 'multi-label' : 'single-label'} but the dev set was read as ${dev.multiLabel ? 'multi-label' : 'single-label'}: read both the same way (--multi-label, --label-sep).`,
    );
  }
  for (const e of dev.examples) {
    for (const k of e.labels ?? [e.label]) {
      const name = dev.labels[k];
      if (!index.has(name)) {
        const list = unseen.get(name);
        if (list) list.push(e.line);
        else unseen.set(name, [e.line]);
      }
    }
  }
  if (unseen.size > 0) throw unseenError([...unseen], train.labels);
  const examples = dev.examples.map((e) => {
    const x = { ...e, label: index.get(dev.labels[e.label])! };
    if (e.labels) x.labels = e.labels.map((k) => index.get(dev.labels[k])!).sort((a, b) => a - b);
    return x;
  });
  const out: Dataset = { examples, labels: train.labels.slice(), counts: countLabels(examples, train.labels.length), columns: dev.columns, skipped: dev.skipped };
  if (dev.multiLabel) out.multiLabel = true;
  return out;
}
