// Number formatting shared by the train and results views (percentages, durations, rates), and head titles.
import { headEntry, isHeadKind } from '../../heads/registry';

export const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}

export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/** A head kind's title and one-line description, from the registry (a name that is not a kind shows as is). */
export function headInfo(kind: string): { title: string; blurb: string } {
  return isHeadKind(kind) ? headEntry(kind) : { title: kind, blurb: '' };
}
