// What a head file says about how its scores become predictions: multi-label (a sigmoid per label, each with a
// threshold tuned on dev) and calibration (one temperature dividing every logit, fitted on dev). Stored as the
// `task` and `calibration` metadata keys of the .safetensors file and copied into ONNX exports.
// Design decision: a multi-label head is written as format version 3 (single-label heads stay version 2, which
// every earlier reader opens): a reader that predates multi-label refuses a version-3 file by its version
// instead of silently running a multi-label head as a softmax classifier. A temperature alone changes no
// predicted label, so it travels in version 2 (an older reader ignores it and reports uncalibrated probabilities).
import { HeadFileError } from './kind-entry';

export interface HeadTask {
  /** Several labels per text: sigmoid probabilities, label k predicted iff p_k >= thresholds[k]. */
  multiLabel: boolean;
  /** Multi-label: one threshold per label in (0, 1). */
  thresholds?: number[];
}

export interface HeadCalibration {
  /** Probabilities are softmax / sigmoid of logits / temperature. */
  temperature: number;
  /** Dev expected calibration error at T = 1 and at the fitted T. */
  eceBefore?: number;
  eceAfter?: number;
}

/** The metadata keys for a task and calibration (none for a plain single-label, uncalibrated head). */
export function taskMetadata(task: HeadTask | undefined, cal: HeadCalibration | undefined, L: number): Record<string, string> {
  const md: Record<string, string> = {};
  if (task?.multiLabel) {
    const t = task.thresholds ?? new Array<number>(L).fill(0.5);
    if (t.length !== L || !t.every((x) => Number.isFinite(x) && x > 0 && x < 1)) throw new HeadFileError(`multi-label thresholds must be ${L} numbers in (0, 1), got [${t.join(', ')}]`);
    md.task = JSON.stringify({ type: 'multi-label', thresholds: t });
  }
  if (cal) {
    if (!(Number.isFinite(cal.temperature) && cal.temperature > 0)) throw new HeadFileError(`calibration temperature must be a positive number, got ${cal.temperature}`);
    md.calibration = JSON.stringify({ temperature: cal.temperature, ...(cal.eceBefore !== undefined ? { ece_before: cal.eceBefore } : {}), ...(cal.eceAfter !== undefined ? { ece_after: cal.eceAfter } : {}) });
  }
  return md;
}

function parse(raw: string, key: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new HeadFileError(`metadata "${key}" is not valid JSON: ${raw.slice(0, 80)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HeadFileError(`metadata "${key}" must be a JSON object`);
  return v as Record<string, unknown>;
}

/** Read and check `task` and `calibration` of a file of format `version` with L labels. */
export function readTaskMetadata(md: Record<string, string>, version: string, L: number): { task?: HeadTask; calibration?: HeadCalibration } {
  const out: { task?: HeadTask; calibration?: HeadCalibration } = {};
  if (md.task !== undefined) {
    const t = parse(md.task, 'task');
    if (t.type !== 'multi-label') throw new HeadFileError(`metadata "task" has type ${JSON.stringify(t.type)}; this build knows "multi-label"`);
    const th = t.thresholds;
    if (!Array.isArray(th) || th.length !== L || !th.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0 && x < 1)) {
      throw new HeadFileError(`metadata "task".thresholds must be ${L} numbers in (0, 1) (one per label)`);
    }
    out.task = { multiLabel: true, thresholds: th as number[] };
  }
  if ((version === '3') !== !!out.task) {
    throw new HeadFileError(version === '3' ? 'format version 3 is a multi-label head but the file has no "task" metadata (a corrupt file); re-export the head' : `a multi-label head must be format version 3, this file says ${version} (a corrupt file); re-export the head`);
  }
  if (md.calibration !== undefined) {
    const c = parse(md.calibration, 'calibration');
    const T = c.temperature;
    if (typeof T !== 'number' || !Number.isFinite(T) || T <= 0 || T > 1e3) throw new HeadFileError(`metadata "calibration".temperature must be a positive number, got ${JSON.stringify(T)}`);
    out.calibration = { temperature: T };
    if (typeof c.ece_before === 'number') out.calibration.eceBefore = c.ece_before;
    if (typeof c.ece_after === 'number') out.calibration.eceAfter = c.ece_after;
  }
  return out;
}

/** The message for a file version this build does not read. */
export function unsupportedVersion(version: string, newest: string): string {
  return Number(version) > Number(newest)
    ? `format version ${version} was written by a newer labeltune than this one (it reads versions 2 to ${newest}; version 3 added multi-label heads): update labeltune to open it`
    : `format version ${version} is not supported (this build reads versions 2 to ${newest}); re-export the head`;
}
