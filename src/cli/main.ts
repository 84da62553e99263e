// The `labeltune` command: the studio's core, headless in Node (onnxruntime-node for the encoder, WebGPU through
// the `webgpu` package for the heads). Design decision: every command goes file -> src/data -> src/encoder (with
// the on-disk feature cache) -> src/heads + src/train, exactly the modules the browser uses; bad input is one
// line on stderr and exit code 1 (usage errors 2), never a stack trace. This file only dispatches; each command
// lives in its own module (train-cmd, eval-cmd, predict-cmd, encode-cmd, export-cmd, embed-cmd, suggest-cmd).
import { DataError } from '../data';
import { UsageError } from './args';
import { clipLine, printable } from './format';
import { EMBED_USAGE, embedCommand } from './embed-cmd';
import { ENCODE_USAGE, encodeCommand } from './encode-cmd';
import { EVAL_USAGE, evalCommand } from './eval-cmd';
import { EXPORT_USAGE, exportCommand } from './export-cmd';
import { PREDICT_USAGE, predictCommand } from './predict-cmd';
import { SUGGEST_USAGE, suggestCommand } from './suggest-cmd';
import { TRAIN_USAGE, trainCommand } from './train-cmd';

export { parseLabelTexts } from './train-cmd';

// A Map, not an object literal: `labeltune constructor` must be an unknown command, not Object's constructor.
const COMMANDS = new Map<string, (argv: string[]) => Promise<void>>([
  ['train', trainCommand],
  ['eval', evalCommand],
  ['predict', predictCommand],
  ['encode', encodeCommand],
  ['export', exportCommand],
  ['embed', embedCommand],
  ['suggest', suggestCommand],
]);

export const USAGE = `labeltune — train label-representation heads on a frozen text encoder

Usage:
${TRAIN_USAGE}
${EVAL_USAGE}
${PREDICT_USAGE}
${ENCODE_USAGE}
${EXPORT_USAGE}
${EMBED_USAGE}
${SUGGEST_USAGE}

Files: CSV, TSV (with or without header), JSON, JSONL, or "LABEL text" lines; columns are detected when omitted.
Features are cached on disk (~/.cache/labeltune/features, or LABELTUNE_CACHE_DIR); --no-cache skips the cache.
Progress bars are drawn on stderr when it is a terminal (never with --json). Exit codes: 0 ok, 1 bad data or
head file, 2 bad usage.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command ? 0 : 2;
    }
    const run = COMMANDS.get(command);
    if (!run) throw new UsageError(`unknown command "${command}" (commands: ${[...COMMANDS.keys()].join(', ')})`);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(USAGE);
      return 0;
    }
    await run(rest);
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError || (err instanceof TypeError && /parseArgs|option/i.test(msg))) {
      console.error(`labeltune: ${clipLine(printable(msg))}\n(run "labeltune --help" for usage)`);
      return 2;
    }
    console.error(`labeltune: ${clipLine(printable(err instanceof DataError ? msg : msg.split('\n')[0]))}`);
    return 1;
  }
}
