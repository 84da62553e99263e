// Main-thread side of the dataset-parsing worker: parse(source, name, {override, onProgress, signal}) returns a
// promise of the ParsedFile. Design decisions: one worker, started on first use; aborting a parse terminates the
// worker (a synchronous parse cannot be interrupted any other way) and rejects every pending request with an
// AbortError, and the next request starts a new worker; DataErrors come back as DataError with their code.
import { DataError } from '../data/errors';
import type { FileReadOptions, ParsedFile, ParseRequest, ParseResponse, ParseStage, WorkerDataError } from './parse-protocol';

interface Pending {
  resolve: (f: ParsedFile) => void;
  reject: (e: unknown) => void;
  onProgress?: (stage: ParseStage, fraction: number) => void;
}

/** Rebuild an error that crossed the worker boundary. */
export function parseErrorFromData(e: WorkerDataError): Error {
  if (e.name === 'DataError' && e.code) return new DataError(e.code, e.message, e.lines ?? []);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export interface ParseCallOptions {
  override?: Partial<FileReadOptions>;
  onProgress?: (stage: ParseStage, fraction: number) => void;
  signal?: AbortSignal;
}

export class ParseClient {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  parse(source: Blob | string, name: string, opts: ParseCallOptions = {}): Promise<ParsedFile> {
    opts.signal?.throwIfAborted();
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<ParsedFile>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress: opts.onProgress });
      opts.signal?.addEventListener(
        'abort',
        () => {
          if (this.pending.has(id)) this.restart(new DOMException(`Parsing '${name}' was cancelled.`, 'AbortError'));
        },
        { once: true },
      );
      const req: ParseRequest = { type: 'parse', id, source, name, override: opts.override };
      worker.postMessage(req);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module', name: 'labeltune-parse' });
    w.addEventListener('message', (ev: MessageEvent<ParseResponse>) => this.onMessage(ev.data));
    w.addEventListener('error', (ev) => {
      this.restart(new Error(`The dataset parsing worker failed: ${ev.message || 'its script could not be loaded or threw at start-up'}.`));
    });
    this.worker = w;
    return w;
  }

  /** Stop the worker, reject everything pending with `err`; the next parse starts a new worker. */
  private restart(err: Error): void {
    this.worker?.terminate();
    this.worker = null;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  private onMessage(msg: ParseResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.stage, msg.fraction);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.type === 'parsed') p.resolve(msg.file);
    else p.reject(parseErrorFromData(msg.error));
  }
}
