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

function countLabels(examples: readonly Example[], n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const e of examples) counts[e.label]++;
  return counts;
}

/** Resolves the columns: the given ones (checked), the rest from guessColumns(). */
function resolveColumns(table: ParsedTable, opts: BuildOptions): DatasetColumns {
  if (opts.textColumn !== undefined) checkColumn(table, opts.textColumn, 'text', '--text');
  if (opts.labelColumn !== undefined) checkColumn(table, opts.labelColumn, 'label', '--label');
  if (typeof opts.textPairColumn === 'string') checkColumn(table, opts.textPairColumn, 'second text', '--text-pair');
  const needGuess = opts.textColumn === undefined || opts.labelColumn === undefined;
  const guess = needGuess ? guessColumns(table, { text: opts.textColumn, label: opts.labelColumn }) : null;
  const text = opts.textColumn ?? guess!.text;
  const label = opts.labelColumn ?? guess!.label;
  // A guessed pair only comes with a guessed text column: `--text A` alone means a single-text task.
  const textPair = opts.textPairColumn === undefined ? (opts.textColumn === undefined ? guess!.textPair : undefined) : (opts.textPairColumn ?? undefined);
  return textPair !== undefined ? { text, textPair, label } : { text, label };
}

/**
 * Turns a parsed table into a Dataset. Throws DataError: 'unknown-column', 'no-label-column', 'no-text-column',
 * 'bad-option' (one column in two roles), 'no-examples', 'too-many-labels', 'one-class', 'unseen-label'.
 */
export function buildDataset(table: ParsedTable, opts: BuildOptions = {}): Dataset {
  const columns = resolveColumns(table, opts);
  const ti = checkColumn(table, columns.text, 'text', '--text');
  const li = checkColumn(table, columns.label, 'label', '--label');
  const pi = columns.textPair !== undefined ? checkColumn(table, columns.textPair, 'second text', '--text-pair') : -1;
  const roles = [columns.text, columns.label, ...(columns.textPair !== undefined ? [columns.textPair] : [])];
  if (new Set(roles).size !== roles.length) {
    throw new DataError('bad-option', `The column '${roles.find((r, i) => roles.indexOf(r) !== i)}' is chosen for two roles (text ${columns.text}, label ${columns.label}${columns.textPair ? `, second text ${columns.textPair}` : ''}): pick a different column for each.`);
  }

  const skipped: DataIssue[] = [];
  const texts: string[] = [];
  const pairs: string[] = [];
  const raw: string[] = [];
  const lines: number[] = [];
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    const line = table.lines[i];
    const text = row[ti].trim();
    const label = row[li].trim();
    const pair = pi >= 0 ? row[pi].trim() : '';
    if (text === '') {
      skipped.push({ code: 'empty-text', line, message: `line ${line}: the text column '${columns.text}' is empty, so the row was skipped. Fill in the text or delete the row.` });
      continue;
    }
    if (pi >= 0 && pair === '') {
      skipped.push({ code: 'empty-text', line, message: `line ${line}: the second text column '${columns.textPair}' is empty, so the row was skipped. Fill it in or delete the row.` });
      continue;
    }
    if (label === '') {
      skipped.push({ code: 'empty-label', line, message: `line ${line}: the label column '${columns.label}' is empty, so the row was skipped. Give the row a label or delete it.` });
      continue;
    }
    texts.push(text);
    if (pi >= 0) pairs.push(pair);
    raw.push(label);
    lines.push(line);
  }

  if (texts.length === 0) {
    const why = summarizeIssues(skipped).map((s) => s.message).join(' ');
    throw new DataError('no-examples', `No usable rows: all ${fmtCount(table.rows.length)} rows were skipped. ${why}`, skipped.slice(0, 20).map((s) => s.line));
  }

  let labels: string[];
  if (opts.labelOrder) {
    labels = [...opts.labelOrder];
    const known = new Set(labels);
    const unseen = new Map<string, number[]>();
    raw.forEach((l, i) => {
      if (!known.has(l)) {
        const list = unseen.get(l);
        if (list) list.push(lines[i]);
        else unseen.set(l, [lines[i]]);
      }
    });
    if (unseen.size > 0) throw unseenError([...unseen], labels);
  } else {
    const distinct = new Set(raw);
    if (tooManyLabels(distinct.size, raw.length)) {
      throw new DataError(
        'too-many-labels',
        `The label column '${columns.label}' has ${fmtCount(distinct.size)} distinct values in ${fmtCount(raw.length)} rows (at most ${fmtCount(MAX_LABELS)}, and at most half the rows, are allowed). ` +
          `Is it a text or id column? Pick the column that holds the classes (--label COLUMN).`,
      );
    }
    if (distinct.size < 2) {
      throw new DataError(
        'one-class',
        `${raw.length === 1 ? 'The only example' : `Every one of the ${fmtCount(raw.length)} examples`} has the label '${raw[0]}' (column '${columns.label}'): a classifier needs at least two classes. ` +
          `Add examples of another class, or check that '${columns.label}' is the label column.`,
      );
    }
    labels = sortLabels(distinct);
  }

  const index = new Map(labels.map((l, k) => [l, k]));
  const examples: Example[] = texts.map((text, i) =>
    pi >= 0 ? { text, textPair: pairs[i], label: index.get(raw[i])!, line: lines[i] } : { text, label: index.get(raw[i])!, line: lines[i] },
  );
  return { examples, labels, counts: countLabels(examples, labels.length), columns, skipped };
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
  for (const e of dev.examples) {
    const name = dev.labels[e.label];
    if (!index.has(name)) {
      const list = unseen.get(name);
      if (list) list.push(e.line);
      else unseen.set(name, [e.line]);
    }
  }
  if (unseen.size > 0) throw unseenError([...unseen], train.labels);
  const examples = dev.examples.map((e) => ({ ...e, label: index.get(dev.labels[e.label])! }));
  return { examples, labels: train.labels.slice(), counts: countLabels(examples, train.labels.length), columns: dev.columns, skipped: dev.skipped };
}
