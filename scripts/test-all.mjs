#!/usr/bin/env node
// Runs every test tier in order — unit (Node, float64 references), gpu (WGSL kernels on a real WebGPU adapter in
// Node), e2e (the built studio in headless Chromium with WebGPU) — and ends with one line `N passed, N failed`
// summing all tiers. Design decision: a tier that crashes before reporting counts as one failure, never zero.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const tiers = (process.env.LABELTUNE_TIERS ?? 'unit,gpu,e2e').split(',');
mkdirSync(`${root}.cache`, { recursive: true });

let passed = 0;
let failed = 0;
const lines = [];
for (const tier of tiers) {
  const out = `${root}.cache/test-${tier}.json`;
  rmSync(out, { force: true });
  const t0 = Date.now();
  const r = spawnSync(
    'npx',
    ['vitest', 'run', '--project', tier, '--reporter=default', '--reporter=json', `--outputFile=${out}`],
    { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } },
  );
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (!existsSync(out)) {
    failed += 1;
    lines.push(`${tier}: crashed before reporting (exit ${r.status}) in ${secs}s`);
    continue;
  }
  const json = JSON.parse(readFileSync(out, 'utf8'));
  const p = json.numPassedTests ?? 0;
  // Suites that failed to load (syntax error, missing adapter in beforeAll) have no failed tests: count them.
  const loadFailures = (json.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed')).length;
  const f = (json.numFailedTests ?? 0) + loadFailures + (json.numTotalTests === 0 ? 1 : 0);
  passed += p;
  failed += f;
  lines.push(`${tier}: ${p} passed, ${f} failed in ${secs}s`);
}
const summary = `${passed} passed, ${failed} failed`;
console.log(`\n${lines.join('\n')}\n${summary}`);
writeFileSync(`${root}.cache/test-summary.txt`, `${summary}\n`);
process.exit(failed === 0 ? 0 : 1);
