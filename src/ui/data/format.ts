// Small display formatters for the data panel (numbers, sizes, delimiters, formats).
import type { FileReadOptions } from '../../data/parsed-file';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '|': 'pipe', '\t': 'tab', ' ': 'space' };

const FORMAT_NAMES: Record<FileReadOptions['format'], string> = { csv: 'CSV', tsv: 'TSV', json: 'JSON', jsonl: 'JSON Lines', 'label-text': 'LABEL text lines' };

export function formatName(f: FileReadOptions['format']): string {
  return FORMAT_NAMES[f];
}
