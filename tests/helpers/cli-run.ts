// Runs the labeltune command in-process and captures what it prints (console.log -> out, console.error -> err),
// plus tiny two-class TSV rows, for the CLI tests.
import { vi } from 'vitest';
import { main } from '../../src/cli/main';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** n rows "text<TAB>sentiment<TAB>topic": sentiment alternates pos/neg, topic is a second, independent task. */
export function sentimentRows(n: number, offset: number): string {
  const good = ['good great fun', 'a great movie', 'fun and good'];
  const bad = ['bad boring film', 'a bad movie', 'boring and bad'];
  return Array.from({ length: n }, (_, i) => {
    const pos = (i + offset) % 2 === 0;
    return `${(pos ? good : bad)[(i + offset) % 3]} ${i}\t${pos ? 'pos' : 'neg'}\t${(i + offset) % 3 === 0 ? 'film' : 'other'}`;
  }).join('\n');
}
