// The run history: RunRecords kept in the browser's IndexedDB (database "labeltune-studio", store "runs", key id),
// so finished runs, their charts and metrics survive a reload. Design decision: records are validated on read
// (run-record-guard.ts) — a broken or old record is skipped and reported in `skipped`, never thrown at the page;
// saving the same id again replaces the record (the train workflow may save a running run, then its final state).
import { asRunRecord, sortNewestFirst } from './run-record-guard';
import type { RunRecord } from './run-record';

const DB_NAME = 'labeltune-studio';
const DB_VERSION = 1;
const STORE = 'runs';

let opening: Promise<IDBDatabase> | null = null;
const listeners = new Set<() => void>();

/** Call `cb` after every save or delete (the history panel re-reads); returns the unsubscribe function. */
export function onRunsChanged(cb: () => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

function changed(): void {
  for (const cb of listeners) cb();
}

function openDb(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new Error('run history: this browser has no IndexedDB (a private window?), so runs cannot be kept across reloads'));
  }
  if (!opening) {
    opening = new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the database: let it, and reopen on next use.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      req.onerror = () => reject(new Error(`run history: cannot open IndexedDB "${DB_NAME}": ${req.error?.message ?? 'unknown error'}`));
      req.onblocked = () => reject(new Error(`run history: IndexedDB "${DB_NAME}" is blocked by another tab of the studio; close it and reload`));
    });
    opening.catch(() => {
      opening = null;
    });
  }
  return opening;
}

function done<T>(req: IDBRequest<T>, tx: IDBTransaction, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    tx.oncomplete = () => resolve(req.result);
    const fail = () => reject(new Error(`run history: ${what} failed: ${(req.error ?? tx.error)?.message ?? 'aborted'}`));
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

/** Store (or replace, by id) one run. The record is validated first, so the history only ever holds readable runs. */
export async function saveRun(r: RunRecord): Promise<void> {
  const record = asRunRecord(r);
  const db = await openDb();
  const tx = db.transaction(STORE, 'readwrite');
  await done(tx.objectStore(STORE).put(record), tx, `saving run "${record.id}"`);
  changed();
}

export interface RunListing {
  /** Valid runs, newest first. */
  runs: RunRecord[];
  /** One sentence per stored record that could not be read (skipped). */
  skipped: string[];
}

/** Every stored run, validated: readable ones newest first, and a notice for each one skipped. */
export async function listRunsChecked(): Promise<RunListing> {
  const db = await openDb();
  const tx = db.transaction(STORE, 'readonly');
  const all = await done(tx.objectStore(STORE).getAll(), tx, 'reading the runs');
  const runs: RunRecord[] = [];
  const skipped: string[] = [];
  for (const x of all) {
    try {
      runs.push(asRunRecord(x));
    } catch (err) {
      skipped.push(`skipped a stored ${(err as Error).message}`);
    }
  }
  return { runs: sortNewestFirst(runs), skipped };
}

/** Stored runs, newest first; unreadable records are skipped (with a console notice; see listRunsChecked). */
export async function listRuns(): Promise<RunRecord[]> {
  const { runs, skipped } = await listRunsChecked();
  for (const s of skipped) console.warn(s);
  return runs;
}

/** Delete one run by id (no error if it is not there). */
export async function deleteRun(id: string): Promise<void> {
  const db = await openDb();
  const tx = db.transaction(STORE, 'readwrite');
  await done(tx.objectStore(STORE).delete(id), tx, `deleting run "${id}"`);
  changed();
}
