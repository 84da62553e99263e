// A labelling session as plain data (what the studio keeps in IndexedDB) and the pure steps on it: label, skip,
// undo, which row to ask next, and the probabilities that ranking uses. Design decision: the session is an
// append-only log of actions plus the answers it implies, so undo is "drop the last action" and a reload restores
// everything from one JSON-safe record. Dev rows (version 2, `audit`): a seeded random subset of the texts
// unlabelled at the start, 1 in `audit.every`, is held out; every `every`-th row asked is the next of them (in a
// seeded random order), never by uncertainty, and their labels never train the head (dev-score.ts scores on them).
import { probeProbs, type RowsFitter } from './probe';
import { suggestRows } from './suggest';
import { seededShuffle } from '../../util/random';
import type { UncertaintyBy } from './uncertainty';

/** Version 2 adds `audit` (dev rows); version 1 records (no audit: every label trains the head) still load. */
export const SESSION_VERSION = 2;

export interface SessionAction {
  row: number;
  kind: 'label' | 'skip';
  /** The label given (kind 'label'). */
  label?: number;
  /** Version 1 only: the head's argmax for the row when it was asked (read back, no longer written or used). */
  guess?: number;
}

export interface AuditPlan {
  /** Every `every`-th row asked is a dev (audit) row; 1 in `every` of the texts unlabelled at the start are set aside for it. */
  every: number;
  /** Seeds which rows are set aside and the order they are asked in. */
  seed: number;
}

export interface LabelSession {
  version: 1 | typeof SESSION_VERSION;
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
  /** Dev rows held out at random (absent in version-1 sessions: no dev rows, no dev score). */
  audit?: AuditPlan;
  createdAt: string;
}

/** A guard for a record read back from storage (anything else is refused with the reason). */
export function asLabelSession(x: unknown): LabelSession {
  const s = x as LabelSession;
  const fail = (why: string): never => {
    throw new Error(`the saved labelling session cannot be read (${why}); start a new one`);
  };
  if (!s || typeof s !== 'object') fail('not an object');
  if (s.version !== 1 && s.version !== SESSION_VERSION) fail(`version ${String(s.version)}, this studio reads 1 and ${SESSION_VERSION}`);
  if (s.version === SESSION_VERSION && !validAudit(s.audit)) fail('its dev audit plan is missing or broken');
  if (s.version === 1 && s.audit !== undefined) fail('a version-1 session with an audit plan');
  if (!Array.isArray(s.labels) || s.labels.length < 2 || !s.labels.every((l) => typeof l === 'string')) fail('fewer than 2 labels');
  if (!Array.isArray(s.texts) || !s.texts.every((t) => typeof t === 'string')) fail('no texts');
  if (!Array.isArray(s.log)) fail('no action log');
  for (const a of s.log) {
    if (!Number.isInteger(a.row) || a.row < 0 || a.row >= s.texts.length) fail(`an action names row ${a.row}`);
    if (a.kind === 'label' && !(Number.isInteger(a.label) && a.label! >= 0 && a.label! < s.labels.length)) fail(`an action gives label ${a.label}`);
  }
  return s;
}

const validAudit = (a: AuditPlan | undefined): boolean => !!a && Number.isInteger(a.every) && a.every >= 2 && a.every <= 50 && Number.isInteger(a.seed);

export function newSession(texts: string[], labels: string[], o: { labelTexts?: string[]; given?: Record<number, number>; by?: UncertaintyBy; diverse?: boolean; every?: number; audit?: AuditPlan } = {}): LabelSession {
  const names = labels.map((l) => l.trim());
  if (names.length < 2) throw new Error(`a labelling session needs at least 2 labels, got ${names.length}`);
  const empty = names.findIndex((l) => l === '');
  if (empty >= 0) throw new Error(`label ${empty + 1} is empty: give every label a name`);
  const dup = names.find((l, i) => names.indexOf(l) !== i);
  if (dup !== undefined) throw new Error(`the label "${dup}" is listed twice`);
  if (names.length > 9) throw new Error(`${names.length} labels: the labelling keys are 1-9, so at most 9 labels`);
  if (texts.length === 0) throw new Error('no texts to label: give at least one text');
  const audit = o.audit ?? { every: 5, seed: 1 };
  if (!validAudit(audit)) throw new Error(`a dev row every ${audit.every} rows asked: give a whole number from 2 to 50`);
  return { version: SESSION_VERSION, labels: names, labelTexts: o.labelTexts ?? names, texts, given: o.given ?? {}, log: [], by: o.by ?? 'margin', diverse: o.diverse ?? false, every: o.every ?? 5, audit, createdAt: new Date().toISOString() };
}

/** row -> label of every labelled row (given ones, then the log in order; a later action on a row wins). */
export function answers(s: LabelSession): Map<number, number> {
  const out = new Map<number, number>(Object.entries(s.given).map(([r, l]) => [Number(r), l]));
  for (const a of s.log) if (a.kind === 'label') out.set(a.row, a.label!);
  return out;
}

/**
 * The rows set aside as dev, in the order they are asked: a seeded shuffle of the rows unlabelled at the start,
 * its first floor(n / every). A simple random sample of those texts, fixed before any label, so the labels asked
 * by uncertainty never tilt it (drawing from what is still unlabelled would leave the hard rows out of dev).
 */
export function auditRows(s: LabelSession): number[] {
  if (!s.audit) return [];
  const pool: number[] = [];
  for (let i = 0; i < s.texts.length; i++) if (!(i in s.given)) pool.push(i);
  return seededShuffle(pool, s.audit.seed).slice(0, Math.floor(pool.length / s.audit.every));
}

/** Labelled rows split: dev (audit rows: scored, never trained on) and train (given rows and every other label). */
export function splitAnswers(s: LabelSession): { train: Map<number, number>; dev: Map<number, number> } {
  const held = new Set(auditRows(s));
  const train = new Map<number, number>();
  const dev = new Map<number, number>();
  for (const [r, l] of answers(s)) (held.has(r) ? dev : train).set(r, l);
  return { train, dev };
}

/** Whether the next row asked is a dev row: every `audit.every`-th label of the log (a skipped one is replaced). */
export function isAuditTurn(s: LabelSession): boolean {
  if (!s.audit) return false;
  const logged = answers(s).size - Object.keys(s.given).length;
  return (logged + 1) % s.audit.every === 0;
}

export function skippedRows(s: LabelSession): Set<number> {
  return new Set(s.log.filter((a) => a.kind === 'skip').map((a) => a.row));
}

export function labelRow(s: LabelSession, row: number, label: number): LabelSession {
  if (!(label >= 0 && label < s.labels.length)) throw new Error(`label ${label + 1} does not exist: this session has ${s.labels.length} labels`);
  return { ...s, log: [...s.log, { row, kind: 'label', label }] };
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
 * Probabilities (N, L) for every text: the CPU probe on the training rows (dev rows left out) once two classes
 * have them, else the zero-shot `prior` when given, else null (no ranking yet).
 */
export function sessionProbs(s: LabelSession, fitter: RowsFitter, prior: Float32Array | null): Float32Array | null {
  const { train } = splitAnswers(s);
  if (new Set(train.values()).size < 2) return prior;
  return probeProbs(fitter.fit(train), fitter.zf);
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

/**
 * The next row to ask about. On an audit turn (isAuditTurn): the next dev row in its seeded order that is not
 * labelled or skipped (by uncertainty when none is left). Otherwise the most uncertain unlabelled, unskipped row
 * outside the dev rows (in text order without probabilities); the dev rows are asked when nothing else is left.
 */
export function nextRow(s: LabelSession, probs: Float32Array | null, features: Float32Array | null, C: number): number | null {
  const a = answers(s);
  const done = new Set([...a.keys(), ...skippedRows(s)]);
  const held = auditRows(s).filter((r) => !done.has(r));
  if (held.length && isAuditTurn(s)) return held[0];
  const exclude = new Set([...done, ...held]);
  let out: number | null = null;
  if (!probs) {
    for (let i = 0; i < s.texts.length && out === null; i++) if (!exclude.has(i)) out = i;
  } else {
    const anchors = [...splitAnswers(s).train.keys()];
    const diverse = s.diverse && features ? { features, C, anchors } : undefined;
    out = suggestRows(probs, s.labels.length, { k: 1, by: s.by, exclude, diverse })[0]?.row ?? null;
  }
  return out ?? held[0] ?? null;
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
