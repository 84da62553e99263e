// The labelling session in IndexedDB (database "labeltune-labelling", store "session", one record under the key
// "current"), written after every label, skip and undo, so a reload loses no label. Design decision: a database
// of its own (not the run history's), so neither one's version upgrades touch the other; a record that does not
// read back as a session (asLabelSession) is reported, never used.
import { asLabelSession, type LabelSession } from '../train/active/session';

const DB_NAME = 'labeltune-labelling';
const STORE = 'session';
const KEY = 'current';

let opening: Promise<IDBDatabase> | null = null;

function openDb(): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('labelling: this browser has no IndexedDB (a private window?), so labels cannot be kept across reloads'));
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => {
      req.result.onversionchange = () => {
        req.result.close();
        opening = null;
      };
      resolve(req.result);
    };
    req.onerror = () => reject(new Error(`labelling: cannot open IndexedDB "${DB_NAME}": ${req.error?.message ?? 'unknown error'}`));
    req.onblocked = () => reject(new Error(`labelling: IndexedDB "${DB_NAME}" is blocked by another tab of the studio; close it and reload`));
  });
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

function run<T>(mode: IDBTransactionMode, what: string, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return openDb().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = op(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(req.result);
        const fail = () => reject(new Error(`labelling: ${what} failed: ${(req.error ?? tx.error)?.message ?? 'aborted'}`));
        tx.onerror = fail;
        tx.onabort = fail;
      }),
  );
}

/** Save (replace) the session; resolves once the transaction has committed. */
export function saveSession(s: LabelSession): Promise<void> {
  return run('readwrite', 'saving the session', (st) => st.put(s, KEY)).then(() => undefined);
}

/** The saved session, or null when there is none. A record that cannot be read throws with the reason. */
export async function loadSession(): Promise<LabelSession | null> {
  const raw = await run('readonly', 'reading the session', (st) => st.get(KEY));
  return raw === undefined ? null : asLabelSession(raw);
}

export function deleteSession(): Promise<void> {
  return run('readwrite', 'deleting the session', (st) => st.delete(KEY)).then(() => undefined);
}
