// Does the first row of a delimited file hold column names? Decided from the first rows alone.
// Design decision: strong evidence is looked for in both directions and "no header" wins ties, because reading a
// data row as a header silently loses an example, while the opposite shows up at once in the preview as a row
// of column names (and a header-only label like 'label' then fails loudly as a class of one).
//  - header: a column that is numeric below row 1 but not in row 1 (GLUE's `label`, `index`, MRPC's `Quality`);
//    a row 1 of known column names (text, sentence, label, ...).
//  - no header: a number in row 1; a cell longer than any column name (AG News's first text); a row-1 value
//    repeated in a column of few distinct values (a label such as `Sci/Tech`); duplicate values in row 1, unless
//    row 1 holds known column names (`text,text,label` is a header that repeats a name: parse() reports it).
// Weak evidence for a header when nothing strong is found: every row-1 cell is short and some column's values
// below are much longer.

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function isNumeric(s: string): boolean {
  return NUMBER.test(s.trim());
}

/** Column names people give text-classification columns (lower case, compared after trimming). */
const KNOWN_NAMES = new Set([
  'text', 'texts', 'sentence', 'sentences', 'sentence1', 'sentence2', 'text1', 'text2', 'text_a', 'text_b',
  'premise', 'hypothesis', 'question', 'question1', 'question2', 'answer', 'review', 'content', 'body', 'title',
  'document', 'message', 'tweet', 'comment', 'description', 'query', 'passage', 'utterance', 'input',
  'label', 'labels', 'class', 'category', 'target', 'sentiment', 'intent', 'topic', 'tag', 'y', 'gold_label',
  'quality', 'id', 'idx', 'index', 'split',
]);

/** The longest a column name may reasonably be. */
const MAX_NAME_LENGTH = 64;

export interface HeaderGuess {
  hasHeader: boolean;
  /** One sentence saying why. */
  reason: string;
}

/** Guesses from the first rows (a few hundred are plenty) whether rows[0] is a header. */
export function detectHeader(rows: readonly (readonly string[])[]): HeaderGuess {
  if (rows.length === 0) return { hasHeader: false, reason: 'no rows' };
  const first = rows[0].map((c) => c.trim());
  const rest = rows.slice(1);
  const width = first.length;

  // Strong evidence against.
  for (let j = 0; j < width; j++) {
    if (first[j] !== '' && isNumeric(first[j])) return { hasHeader: false, reason: `row 1 has a number ('${first[j]}') in column ${j + 1}` };
  }
  for (let j = 0; j < width; j++) {
    if (first[j].length > MAX_NAME_LENGTH) return { hasHeader: false, reason: `row 1 column ${j + 1} is ${first[j].length} characters long, too long for a column name` };
  }
  for (let j = 0; j < width && rest.length > 0; j++) {
    const values = rest.map((r) => (r[j] ?? '').trim());
    const distinct = new Set(values);
    if (first[j] !== '' && distinct.size <= Math.max(20, 0.3 * values.length) && distinct.has(first[j])) {
      return { hasHeader: false, reason: `row 1's '${first[j]}' also appears below it in column ${j + 1}, so it is a value, not a name` };
    }
  }

  // Strong evidence for.
  for (let j = 0; j < width && rest.length > 0; j++) {
    if (first[j] === '') continue;
    const values = rest.map((r) => (r[j] ?? '').trim()).filter((v) => v !== '');
    const numeric = values.filter(isNumeric).length;
    if (values.length > 0 && numeric >= 0.9 * values.length) {
      return { hasHeader: true, reason: `column ${j + 1} is numeric below row 1 but row 1 has '${first[j]}'` };
    }
  }
  const known = first.filter((c) => KNOWN_NAMES.has(c.toLowerCase()));
  if (known.length > 0) return { hasHeader: true, reason: `row 1 has column names (${known.map((c) => `'${c}'`).join(', ')})` };

  // Weak evidence against: a repeated value (a header repeating a known name, `text,text,label`, is caught above).
  const named = first.filter((c) => c !== '');
  if (new Set(named).size < named.length) return { hasHeader: false, reason: 'row 1 repeats a value, so it is not a list of column names' };

  // Weak evidence: short names over long values.
  const shortNames = first.every((c) => c.length <= 32 && c.split(/\s+/).length <= 4);
  if (shortNames && rest.length > 0) {
    for (let j = 0; j < width; j++) {
      const mean = rest.reduce((s, r) => s + (r[j] ?? '').length, 0) / rest.length;
      if (mean >= 20 && mean >= 3 * Math.max(first[j].length, 1)) {
        return { hasHeader: true, reason: `row 1 is short names and column ${j + 1} holds longer text below it` };
      }
    }
  }
  return { hasHeader: false, reason: 'row 1 looks like data' };
}
