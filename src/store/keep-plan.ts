// What the run history's head store is (KeepStore: records + head files, written atomically) and the pure plan of
// what to keep under the size budget. Design decision: the budget counts the head files only (a record is a few
// kB) and is enforced by evicting the weights of the OLDEST runs first (by createdAt); an evicted run's record is
// kept and says "weights evicted", so its curves and metrics stay. A head file larger than the whole budget is not
// stored (the record says why) rather than emptying the history for it.
import type { RunRecord, RunWeights } from './run-record';

/** The history's storage: IndexedDB in the page (history-db.ts), anything with the same contract in tests. */
export interface KeepStore {
  /** Every readable record (unreadable ones are skipped by the store). */
  records(): Promise<RunRecord[]>;
  /**
   * One atomic write: records put (by id), head files put (by run id), head files deleted. When it fails nothing
   * of it was written; a full quota throws StorageQuotaError.
   */
  write(w: KeepWrite): Promise<void>;
  /** A run's head file; StoredHeadError when it is missing, damaged or truncated. */
  readHead(id: string): Promise<Uint8Array>;
}

export interface KeepWrite {
  records: RunRecord[];
  heads: { id: string; bytes: Uint8Array }[];
  dropHeads: string[];
}

/** The browser refused to store more (QuotaExceededError): nothing of that write was stored. */
export class StorageQuotaError extends Error {
  constructor(what: string, detail: string) {
    super(`the browser's storage quota for this site is full (QuotaExceededError) while ${what}: ${detail}`);
    this.name = 'StorageQuotaError';
  }
}

/** A stored head file that cannot be used (missing, not bytes, shorter than recorded, or not a head file). */
export class StoredHeadError extends Error {
  constructor(id: string, problem: string) {
    super(`the stored head of run "${id}" ${problem}`);
    this.name = 'StoredHeadError';
  }
}

/** Bytes as "812 B", "3.4 kB", "28.1 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Bytes of head files kept, over the readable records. */
export function usedBytes(records: readonly RunRecord[]): number {
  return records.reduce((a, r) => a + (r.weights?.state === 'kept' ? r.weights.bytes : 0), 0);
}

export interface KeepPlan {
  /** Whether the incoming head file is stored. */
  keepIncoming: boolean;
  /** Runs whose head files are dropped, oldest first. */
  evict: RunRecord[];
  /** Bytes kept after the plan. */
  used: number;
}

/**
 * Which head files to keep within `budget` bytes when `incoming` (a run's new head file, replacing that run's
 * previous one) is added — or, without `incoming`, when the budget changed. Oldest runs' weights go first.
 */
export function planKeep(records: readonly RunRecord[], budget: number, incoming?: { id: string; bytes: number }): KeepPlan {
  const kept = records
    .filter((r) => r.weights?.state === 'kept' && r.id !== incoming?.id)
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const keepIncoming = incoming !== undefined && incoming.bytes <= budget;
  let used = usedBytes(kept) + (keepIncoming ? incoming.bytes : 0);
  const evict: RunRecord[] = [];
  for (const r of kept) {
    if (used <= budget) break;
    evict.push(r);
    used -= r.weights!.bytes;
  }
  return { keepIncoming, evict, used };
}

/** `r` with its weights marked evicted and why. */
export function evicted(r: RunRecord, note: string): RunRecord {
  const w = r.weights as RunWeights;
  return { ...r, weights: { ...w, state: 'evicted', note } };
}
