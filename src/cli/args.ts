// Shared argument handling of the labeltune commands: the usage error type, number and list flags, and reading a
// dataset file. Design decision: a usage problem (a flag, a missing file) is a UsageError (exit code 2), a problem
// with the data's content is the data module's DataError (exit code 1); both print as one line from main.ts.
// Rows the data module repaired, dropped or skipped are never silent: each file's warnings go to stderr.
import { readFileSync } from 'node:fs';
import { datasetWarnings, isLabelSep, LABEL_SEPS, loadDataset, parseLabelNames, sniff, parse, summarizeIssues, type BuildOptions, type Dataset, type ParsedTable } from '../data';
import { clipLine, printable } from './format';

export class UsageError extends Error {}

/** Options every command that reads a dataset shares. */
export interface Common {
  data: string;
  text?: string;
  textPair?: string;
  label?: string;
  model: string;
  json: boolean;
  cache: boolean;
  tmax?: number;
}

/** A non-negative number flag (integer when `int`); undefined when the flag is absent. */
export function numFlag(name: string, v: string | undefined, int: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (int && !Number.isInteger(n)) || n < 0) {
    throw new UsageError(`--${name} must be a ${int ? 'non-negative integer' : 'number'}, got "${v}"`);
  }
  return n;
}

/** A count flag that must be at least 1 (--epochs, --batch, --tmax); undefined when absent. */
export function countFlag(name: string, v: string | undefined): number | undefined {
  const n = numFlag(name, v, true);
  if (n !== undefined && n < 1) throw new UsageError(`--${name} must be at least 1, got ${v}`);
  return n;
}

/** A number flag that must be > 0 (--lr); undefined when absent. */
export function positiveFlag(name: string, v: string | undefined): number | undefined {
  const n = numFlag(name, v, false);
  if (n !== undefined && n <= 0) throw new UsageError(`--${name} must be a positive number, got ${v}`);
  return n;
}

/** A fraction flag strictly between 0 and 1 (--dev-split); undefined when absent. */
export function fractionFlag(name: string, v: string | undefined): number | undefined {
  const n = numFlag(name, v, false);
  if (n !== undefined && (n <= 0 || n >= 1)) throw new UsageError(`--${name} must be a fraction between 0 and 1 (exclusive), got ${v}`);
  return n;
}

/** "a,b, c" -> ['a', 'b', 'c']; an empty entry or a repeated one is a usage error. */
export function listFlag(name: string, v: string): string[] {
  const items = v.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--${name} "${v}" has an empty entry (write a comma-separated list, e.g. a,b)`);
  const dup = items.find((s, i) => items.indexOf(s) !== i);
  if (dup !== undefined) throw new UsageError(`--${name} lists "${dup}" twice`);
  return items;
}

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`);
  }
}

/**
 * Prints each warning about a data file once per `seen` set ("labeltune: warning: FILE: ..." on stderr): rows the
 * parser repaired or dropped, skipped rows, near-duplicate labels. Printed with --json too (stdout stays JSON).
 */
function warn(path: string, messages: readonly string[], seen: Set<string>): void {
  for (const m of messages) {
    const line = clipLine(printable(`labeltune: warning: ${path}: ${m}`));
    if (seen.has(line)) continue;
    seen.add(line);
    console.error(line);
  }
}

/**
 * A labelled dataset from a file (columns from the flags, else detected); its warnings go to stderr. Pass one
 * `seen` set to several reads of the same file (one per label column) to print each warning once.
 */
export function readDataset(
  path: string,
  c: { text?: string; textPair?: string | null; label?: string; labels?: LabelReadOptions },
  labelOrder?: readonly string[],
  seen: Set<string> = new Set(),
): Dataset {
  const { table, dataset } = loadDataset(readBytes(path), path, { textColumn: c.text, textPairColumn: c.textPair, labelColumn: c.label, labelOrder, ...c.labels });
  warn(path, datasetWarnings(table, dataset), seen);
  return dataset;
}

/** A parsed table (no label column needed: what `predict` reads); the parser's row issues go to stderr. */
export function readTable(path: string): ParsedTable {
  const s = sniff(readBytes(path), path);
  const table = parse(s.text, s, path);
  warn(path, summarizeIssues(table.issues).map((x) => x.message), new Set());
  return table;
}

/** How label cells are read (multi-label): the BuildOptions the label flags set. */
export type LabelReadOptions = Pick<BuildOptions, 'multiLabel' | 'labelSep' | 'labelNames' | 'labelColumns'>;

/** parseArgs options of the label-reading flags (train, eval). */
export const LABEL_FLAG_OPTIONS = {
  'multi-label': { type: 'boolean' },
  'single-label': { type: 'boolean' },
  'label-sep': { type: 'string' },
  'label-names': { type: 'string' },
  'label-columns': { type: 'string' },
} as const;

export const LABEL_FLAGS_USAGE = `      Several labels per row are detected (a JSON array, or "a,b" / "a|b" / "a;b"); --multi-label forces it,
      --single-label forbids it, --label-sep ','|'|'|';'|json sets the delimiter, --label-names FILE names label
      ids (line i names id i, like GoEmotions' labels.txt), --label-columns a,b,c reads one 0/1 column per label.`;

/** The label-reading flags -> build options (usage errors for bad combinations). */
export function labelReadOptions(v: { 'multi-label'?: boolean; 'single-label'?: boolean; 'label-sep'?: string; 'label-names'?: string; 'label-columns'?: string }): LabelReadOptions {
  if (v['multi-label'] && v['single-label']) throw new UsageError('use either --multi-label or --single-label, not both');
  const o: LabelReadOptions = {};
  if (v['multi-label']) o.multiLabel = true;
  if (v['single-label']) o.multiLabel = false;
  if (v['label-sep'] !== undefined) {
    if (v['single-label']) throw new UsageError('--label-sep sets the delimiter of several labels per row: leave out --single-label');
    if (!isLabelSep(v['label-sep'])) throw new UsageError(`--label-sep must be one of ${LABEL_SEPS.map((x) => `"${x}"`).join(', ')}, got "${v['label-sep']}"`);
    o.labelSep = v['label-sep'];
  }
  if (v['label-names'] !== undefined) {
    o.labelNames = parseLabelNames(new TextDecoder().decode(readBytes(v['label-names'])), v['label-names']);
  }
  if (v['label-columns'] !== undefined) {
    if (v['single-label']) throw new UsageError('--label-columns reads one 0/1 column per label (multi-label): leave out --single-label');
    o.labelColumns = listFlag('label-columns', v['label-columns']);
    if (o.labelColumns.length < 2) throw new UsageError('--label-columns needs at least two columns (one 0/1 column per label)');
  }
  return o;
}
