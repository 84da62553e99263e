#!/usr/bin/env node
// `npm start`: serve the studio with Vite's dev server and open it in the browser when there is one to open.
// Design decision: `vite --open` on a machine without a desktop (no DISPLAY, no xdg-open: a server, a container,
// SSH) crashed with a `spawn xdg-open ENOENT` stack trace; here the page is opened only when a desktop can show
// it, and otherwise the URL is printed with one line saying to open it.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createServer } from 'vite';

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, cmd)));
}

/** True when opening a browser can work: macOS / Windows, or Linux with a display and xdg-open. */
export function canOpenBrowser(env = process.env, platform = process.platform) {
  if (env.BROWSER === 'none') return false;
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY) && onPath('xdg-open');
}

const open = canOpenBrowser();
const server = await createServer({ server: { open } });
await server.listen();
server.printUrls();
if (!open) console.log('  No desktop to open a browser on: open the Local URL above in your browser.');
server.bindCLIShortcuts({ print: true });
