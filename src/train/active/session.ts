// A labelling session as plain data (what the studio keeps in IndexedDB) and the pure steps on it: label, skip,
// undo, which row to ask next, the probabilities that ranking uses, and the learning curve. Design decision: the
// session is an append-only log of actions plus the answers it implies, so undo is "drop the last action" and a
// reload restores everything from one JSON-safe record; each label action stores the head's guess for that row
// at the moment it was asked, which gives a held-out score for free (every guess is made before its label is
// known): the curve is the accuracy of those guesses over a sliding window, against the number of labels.
import { fitProbe, probeProbs, standardizer } from './probe';
import { suggestRows } from './suggest';
import type { UncertaintyBy } from './uncertainty';

export const SESSION_VERSION = 1;

export interface SessionAction {
  row: number;
  kind: 'label' | 'skip';
  /** The label given (kind 'label'). */
  label?: number;
  /** The head's argmax for the row when it was asked (absent when no head existed yet). */
  guess?: number;
}

export interface LabelSession {
  version: typeof SESSION_VERSION;
  labels: string[];
  /** Texts the label seeds (zero-shot ranking before two classes have labels) are encoded from. */
  labelTexts: string[];
  texts: string[];
  /** Labels given with the texts (row -> label), before the session began. */
  given: Record<number, number>;
  log: SessionAction[];
  by: UncertaintyBy;
  diverse: boolean;
  /** Retrain after this many new labels. */
  every: number;
  createdAt: string;
}

/** A guard for a record read back from storage (anything else is refused with the reason). */
export function asLabelSession(x: unknown): LabelSession {
  const s = x as LabelSession;
  const fail = (why: string): never => {
    throw new Error(`the saved labelling session cannot be read (${why}); start a new one`);
  };
  if (!s || typeof s !== 'object') fail('not an object');
  if (s.version !== SESSION_VERSION) fail(`version ${String(s.version)}, this studio reads ${SESSION_VERSION}`);
  if (!Array.isArray(s.labels) || s.labels.length < 2 || !s.labels.every((l) => typeof l === 'string')) fail('fewer than 2 labels');
  if (!Array.isArray(s.texts) || !s.texts.every((t) => typeof t === 'string')) fail('no texts');
  if (!Array.isArray(s.log)) fail('no action log');
  for (const a of s.log) {
    if (!Number.isInteger(a.row) || a.row < 0 || a.row >= s.texts.length) fail(`an action names row ${a.row}`);
    if (a.kind === 'label' && !(Number.isInteger(a.label) && a.label! >= 0 && a.label! < s.labels.length)) fail(`an action gives label ${a.label}`);
  }
  return s;
}

export function newSession(texts: string[], labels: string[], o: { labelTexts?: string[]; given?: Record<number, number>; by?: UncertaintyBy; diverse?: boolean; every?: number } = {}): LabelSession {
  const names = labels.map((l) => l.trim());
  if (names.length < 2) throw new Error(`a labelling session needs at least 2 labels, got ${names.length}`);
  const empty = names.findIndex((l) => l === '');
  if (empty >= 0) throw new Error(`label ${empty + 1} is empty: give every label a name`);
  const dup = names.find((l, i) => names.indexOf(l) !== i);
  if (dup !== undefined) throw new Error(`the label "${dup}" is listed twice`);
  if (names.length > 9) throw new Error(`${names.length} labels: the labelling keys are 1-9, so at most 9 labels`);
  if (texts.length === 0) throw new Error('no texts to label: give at least one text');
  return { version: SESSION_VERSION, labels: names, labelTexts: o.labelTexts ?? names, texts, given: o.given ?? {}, log: [], by: o.by ?? 'margin', diverse: o.diverse ?? false, every: o.every ?? 5, createdAt: new Date().toISOString() };
}

/** row -> label of every labelled row (given ones, then the log in order; a later action on a row wins). */
export function answers(s: LabelSession): Map<number, number> {
  const out = new Map<number, number>(Object.entries(s.given).map(([r, l]) => [Number(r), l]));
  for (const a of s.log) if (a.kind === 'label') out.set(a.row, a.label!);
  return out;
}

export function skippedRows(s: LabelSession): Set<number> {
  return new Set(s.log.filter((a) => a.kind === 'skip').map((a) => a.row));
}

export function labelRow(s: LabelSession, row: number, label: number, guess?: number): LabelSession {
  if (!(label >= 0 && label < s.labels.length)) throw new Error(`label ${label + 1} does not exist: this session has ${s.labels.length} labels`);
  return { ...s, log: [...s.log, { row, kind: 'label', label, ...(guess !== undefined ? { guess } : {}) }] };
}

export function skipRow(s: LabelSession, row: number): LabelSession {
  return { ...s, log: [...s.log, { row, kind: 'skip' }] };
}

/** Drop the last action; returns the row it was about (to ask again), or null when there is nothing to undo. */
export function undoLast(s: LabelSession): { session: LabelSession; row: number | null } {
  if (s.log.length === 0) return { session: s, row: null };
  return { session: { ...s, log: s.log.slice(0, -1) }, row: s.log[s.log.length - 1].row };
}

/** Labels given in the session's log since the start (given rows not counted). */
export function labelCount(s: LabelSession): number {
  return answers(s).size;
}

/**
 * Probabilities (N, L) for every text: the CPU probe on the labelled rows once two classes have labels
 * (features standardised over all texts), else the zero-shot `prior` when given, else null (no ranking yet).
 */
export function sessionProbs(s: LabelSession, features: Float32Array, C: number, prior: Float32Array | null): Float32Array | null {
  const a = answers(s);
  const classes = new Set(a.values());
  if (classes.size < 2) return prior;
  const z = standardizer(features, C);
  const zf = z(features);
  const rows = [...a.keys()];
  const X = new Float32Array(rows.length * C);
  rows.forEach((r, i) => X.set(zf.subarray(r * C, (r + 1) * C), i * C));
  const probe = fitProbe(X, rows.map((r) => a.get(r)!), C, s.labels.length);
  return probeProbs(probe, zf);
}

/** Zero-shot probabilities: softmax over labels of cosine(text, label seed) / temperature. */
export function zeroShotProbs(features: Float32Array, seeds: Float32Array, C: number, temperature = 0.05): Float32Array {
  const N = features.length / C;
  const L = seeds.length / C;
  const norm = (v: Float32Array, i: number) => Math.hypot(...v.subarray(i * C, (i + 1) * C)) || 1;
  const sn = Array.from({ length: L }, (_, l) => norm(seeds, l));
  const out = new Float32Array(N * L);
  for (let i = 0; i < N; i++) {
    const fn = norm(features, i);
    const z = sn.map((n, l) => {
      let d = 0;
      for (let c = 0; c < C; c++) d += features[i * C + c] * seeds[l * C + c];
      return d / (fn * n) / temperature;
    });
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((x, y) => x + y, 0);
    e.forEach((v, l) => (out[i * L + l] = v / sum));
  }
  return out;
}

/** The next row to ask about: the most uncertain unlabelled, unskipped row; in text order without probabilities. */
export function nextRow(s: LabelSession, probs: Float32Array | null, features: Float32Array | null, C: number): number | null {
  const a = answers(s);
  const exclude = new Set([...a.keys(), ...skippedRows(s)]);
  if (!probs) {
    for (let i = 0; i < s.texts.length; i++) if (!exclude.has(i)) return i;
    return null;
  }
  const diverse = s.diverse && features ? { features, C, anchors: [...a.keys()] } : undefined;
  const [first] = suggestRows(probs, s.labels.length, { k: 1, by: s.by, exclude, diverse });
  return first?.row ?? null;
}

/** The argmax of row `row` of (N, L) probabilities. */
export function guessOf(probs: Float32Array, L: number, row: number): number {
  let best = 0;
  for (let l = 1; l < L; l++) if (probs[row * L + l] > probs[row * L + best]) best = l;
  return best;
}

export interface SessionCurvePoint {
  labels: number;
  /** Accuracy of the head's guesses on the last `window` labelled rows, each guessed before its label was given. */
  accuracy: number;
  guesses: number;
}

/** One point after every `every` labels (and the latest), from the log's guesses. */
export function sessionCurve(s: LabelSession, window = 20): SessionCurvePoint[] {
  const base = Object.keys(s.given).length;
  const out: SessionCurvePoint[] = [];
  const guessed: boolean[] = [];
  let n = 0;
  const seen = new Set<number>(Object.keys(s.given).map(Number));
  for (const a of s.log) {
    if (a.kind !== 'label') continue;
    if (!seen.has(a.row)) n++;
    seen.add(a.row);
    if (a.guess !== undefined) guessed.push(a.guess === a.label);
    const last = guessed.slice(-window);
    if (last.length && (n % s.every === 0 || a === s.log.filter((x) => x.kind === 'label').at(-1))) {
      out.push({ labels: base + n, accuracy: last.filter(Boolean).length / last.length, guesses: last.length });
    }
  }
  return out.filter((p, i, arr) => i === arr.length - 1 || p.labels !== arr[i + 1].labels);
}

/**
 * The studio's text input: one text per line; a line `label<TAB>text` whose label is one of `labels` is a text
 * given with that label. Empty lines are skipped; a line with a tab and an unknown label is refused (what, where).
 */
export function readLabelInput(input: string, labels: readonly string[]): { texts: string[]; given: Record<number, number> } {
  const index = new Map(labels.map((l, i) => [l.trim(), i]));
  const texts: string[] = [];
  const given: Record<number, number> = {};
  input.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const tab = raw.indexOf('\t');
    if (tab >= 0) {
      const label = raw.slice(0, tab).trim();
      const text = raw.slice(tab + 1).trim();
      if (!index.has(label)) throw new Error(`line ${i + 1} starts with "${label.slice(0, 40)}" and a tab, but that is not one of the labels (${labels.join(', ')}): fix the label or remove the tab`);
      if (text === '') throw new Error(`line ${i + 1} has the label "${label}" but no text after the tab`);
      given[texts.length] = index.get(label)!;
      texts.push(text);
    } else texts.push(line);
  });
  if (texts.length === 0) throw new Error('no texts: paste or drop texts, one per line');
  return { texts, given };
}
