// The head the studio currently uses (just trained, or imported from a file): its live GPU object lives here,
// outside the store, and the store's `activeHead` field carries its plain-data description so components re-render.
// Design decision: one owner of the GPU head — setting a new one disposes the previous, so playground, batch
// prediction and export always talk to the same object that produced the metrics on screen.
import type { Head } from '../heads/head';
import type { HeadMeta } from '../heads/serialize';
import type { HeadKind } from '../heads/registry';
import { useStudio } from './store';

export interface ActiveHeadInfo {
  /** Run id (history) or 'imported:<file name>'. */
  id: string;
  kind: HeadKind;
  /** Where it came from. */
  source: 'trained' | 'imported';
  meta: HeadMeta;
  /** Sentence pairs encoded side by side (the head expects pooledB). */
  pair: boolean;
  /** Token rows per example the head was trained with. */
  tmax: number;
}

let current: { head: Head; info: ActiveHeadInfo } | null = null;

/** Make `head` the studio's head (disposing the previous one) and publish its description to the store. */
export function setActiveHead(head: Head, info: ActiveHeadInfo): void {
  if (current && current.head !== head) current.head.dispose();
  current = { head, info };
  useStudio.getState().setActiveHeadInfo(info);
}

/** The live GPU head and its description, or null before any training or import. */
export function getActiveHead(): { head: Head; info: ActiveHeadInfo } | null {
  return current;
}

/** Dispose the active head (e.g. the GPU device was lost). */
export function clearActiveHead(): void {
  current?.head.dispose();
  current = null;
  useStudio.getState().setActiveHeadInfo(null);
}
