// The run history: RunRecords kept in the browser's IndexedDB (database "labeltune-studio", store "runs", key id),
// so finished runs, their charts and metrics survive a reload, and each run's head file (store "heads": {id, size,
// bytes}, the .safetensors bytes exportHead writes), so any run's head can be used again. Design decision: records
// are validated on read (run-record-guard.ts) — a broken or old record is skipped and reported in `skipped`, never
// thrown at the page; saving the same id again replaces the record (the train workflow saves a running run, then
// its final state); records and head files change together in ONE transaction (idbKeepStore.write), so a failed
// or refused write (QuotaExceededError) leaves everything as it was.
import { StorageQuotaError, StoredHeadError, type KeepStore, type KeepWrite } from './keep-plan';
import { asRunRecord, sortNewestFirst } from './run-record-guard';
import type { RunRecord } from './run-record';

const DB_NAME = 'labeltune-studio';
/** 2: the "heads" store. */
const DB_VERSION = 2;
const STORE = 'runs';
const HEADS = 'heads';

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
        if (!db.objectStoreNames.contains(HEADS)) db.createObjectStore(HEADS, { keyPath: 'id' });
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
    const fail = () => {
      const err = req.error ?? tx.error;
      if (err?.name === 'QuotaExceededError') reject(new StorageQuotaError(what, err.message));
      else reject(new Error(`run history: ${what} failed: ${err?.message ?? 'aborted'}`));
    };
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

/** Delete one run and its head file by id (no error if it is not there). */
export async function deleteRun(id: string): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([STORE, HEADS], 'readwrite');
  tx.objectStore(HEADS).delete(id);
  await done(tx.objectStore(STORE).delete(id), tx, `deleting run "${id}"`);
  changed();
}

/** Records and head files in one transaction (see KeepStore.write). */
async function writeKeep(w: KeepWrite): Promise<void> {
  const records = w.records.map(asRunRecord);
  const db = await openDb();
  const tx = db.transaction([STORE, HEADS], 'readwrite');
  const runs = tx.objectStore(STORE);
  const heads = tx.objectStore(HEADS);
  for (const id of w.dropHeads) heads.delete(id);
  for (const h of w.heads) heads.put({ id: h.id, size: h.bytes.length, bytes: h.bytes });
  const puts = records.map((r) => runs.put(r));
  const what = w.heads.length ? `saving the head of run "${w.heads[0].id}" (${w.heads[0].bytes.length.toLocaleString('en-US')} bytes)` : `saving run "${records[0]?.id ?? ''}"`;
  await done<unknown>((puts.at(-1) ?? runs.count()) as IDBRequest<unknown>, tx, what);
  changed();
}

/** A stored head file, checked: present, bytes, as long as recorded. */
async function readHead(id: string): Promise<Uint8Array> {
  const db = await openDb();
  const tx = db.transaction(HEADS, 'readonly');
  const entry: unknown = await done(tx.objectStore(HEADS).get(id), tx, `reading the head of run "${id}"`);
  if (entry === undefined) throw new StoredHeadError(id, 'is not in this browser any more (deleted, or the site data was cleared)');
  const e = entry as { size?: unknown; bytes?: unknown };
  const bytes = e.bytes instanceof Uint8Array ? e.bytes : e.bytes instanceof ArrayBuffer ? new Uint8Array(e.bytes) : null;
  if (typeof entry !== 'object' || entry === null || !bytes) throw new StoredHeadError(id, 'is damaged (the stored entry holds no bytes)');
  if (typeof e.size !== 'number' || bytes.length !== e.size) {
    throw new StoredHeadError(id, `is truncated (${bytes.length.toLocaleString('en-US')} of ${typeof e.size === 'number' ? e.size.toLocaleString('en-US') : 'an unknown number of'} bytes)`);
  }
  return bytes;
}

/** The history in this browser's IndexedDB as a KeepStore. */
export const idbKeepStore: KeepStore = {
  records: async () => (await listRunsChecked()).runs,
  write: writeKeep,
  readHead,
};
