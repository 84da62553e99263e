#!/usr/bin/env node
// Installs what `npm start` / `npm test` need on a fresh clone, and nothing when it is already there:
//   --app   npm dependencies + the embedded default encoder (USE-lite converted to ONNX by tools/) + the demo
//           dataset public/data/spam-assassin.jsonl (tools/make-demo-data.ts)
//   --test  all of --app + the tiny test BERT + Debian Chromium (/usr/bin/chromium) for the browser tier.
// Generated models go to public/models/<name>/ (git-ignored) and are rebuilt only when missing.
// Design decision: only Node built-ins here, because it runs before node_modules exists.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const root = new URL('..', import.meta.url).pathname;

// onnxruntime-node's install script fetches optional GPU binaries from the network (api.nuget.org), which this
// project never needs (its CPU binary ships inside the npm package): skip it.
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' };

function sh(cmd) {
  console.log(`[setup] ${cmd}`);
  execSync(cmd, { stdio: 'inherit', cwd: root, env });
}

function ensureNodeModules() {
  const marker = `${root}node_modules/.package-lock.json`;
  const lock = `${root}package-lock.json`;
  if (!existsSync(marker)) sh('npm ci --no-audit --no-fund');
  else if (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000) sh('npm install --no-audit --no-fund');
}

function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? '' : 'sudo ';
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(`Chromium is missing at ${path} and this is not a Debian/Ubuntu system: install Chromium and set CHROMIUM_PATH`);
  }
  try {
    sh(`${sudo}apt-get update -q`);
    sh(`DEBIAN_FRONTEND=noninteractive ${sudo}apt-get install -y -q chromium`);
  } catch (err) {
    throw new Error(`Could not install Chromium with apt-get (${err.message}). Install the Debian 'chromium' package as root, or set CHROMIUM_PATH.`);
  }
}

/** Run a model tool (tools/<tool>.ts) when its output is missing. */
function ensureModel(tool, dir) {
  if (existsSync(`${root}public/models/${dir}/model.onnx`)) return;
  if (!existsSync(`${root}tools/${tool}.ts`)) throw new Error(`tools/${tool}.ts is missing: cannot build public/models/${dir}`);
  sh(`npx tsx tools/${tool}.ts --out public/models/${dir}`);
}

/** The demo dataset (SpamAssassin as JSONL, fetched by the studio at page start) when it is missing. */
function ensureDemoData() {
  if (existsSync(`${root}public/data/spam-assassin.jsonl`)) return;
  sh('npx tsx tools/make-demo-data.ts --out public/data/spam-assassin.jsonl');
}

ensureNodeModules();
ensureModel('convert-use-lite', 'use-lite');
ensureDemoData();
if (args.has('--test')) {
  ensureModel('make-tiny-bert', 'tiny-bert');
  ensureChromium();
}
