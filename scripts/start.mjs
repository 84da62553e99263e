#!/usr/bin/env node
// `npm start`: serve the studio with Vite's dev server and open it in the browser when there is one to open.
// Design decision: `vite --open` on a machine without a desktop (no DISPLAY, no xdg-open: a server, a container,
// SSH) crashed with a `spawn xdg-open ENOENT` stack trace; here the page is opened only when a desktop can show
// it, and otherwise the URL is printed with one line saying to open it.
import { createServer } from 'vite';
import { canOpenBrowser } from './open-browser.mjs';

const open = canOpenBrowser();
const server = await createServer({ server: { open } });
await server.listen();
server.printUrls();
if (!open) console.log('  No desktop to open a browser on: open the Local URL above in your browser.');
server.bindCLIShortcuts({ print: true });
