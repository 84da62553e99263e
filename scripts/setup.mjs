#!/usr/bin/env node
// Installs what `npm start` / `npm test` need on a fresh clone, and nothing when it is already there:
//   --app   npm dependencies
//   --test  npm dependencies + Debian Chromium (/usr/bin/chromium) for the browser tier and WebGPU-in-Chromium.
// Design decision: only Node built-ins here, because it runs before node_modules exists.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const root = new URL('..', import.meta.url).pathname;

function sh(cmd) {
  console.log(`[setup] ${cmd}`);
  execSync(cmd, { stdio: 'inherit', cwd: root });
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

ensureNodeModules();
if (args.has('--test')) ensureChromium();
