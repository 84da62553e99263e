// `npm start` on a machine without a desktop (issue 11): scripts/start.mjs opens a browser only when
// scripts/open-browser.mjs says one can be opened, instead of `vite --open` crashing with `spawn xdg-open ENOENT`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { canOpenBrowser } from '../../scripts/open-browser.mjs';

const bin = mkdtempSync(join(tmpdir(), 'xdg-'));
writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\n', { mode: 0o755 });
const empty = mkdtempSync(join(tmpdir(), 'noxdg-'));
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

describe('canOpenBrowser', () => {
  it('is false on Linux without a display or without xdg-open (a server, a container, SSH)', () => {
    expect(canOpenBrowser({ PATH: bin }, 'linux')).toBe(false);
    expect(canOpenBrowser({ PATH: empty, DISPLAY: ':0' }, 'linux')).toBe(false);
  });

  it('is true on a Linux desktop with xdg-open, and on macOS / Windows; BROWSER=none turns it off', () => {
    expect(canOpenBrowser({ PATH: bin, DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(canOpenBrowser({ PATH: bin, WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(canOpenBrowser({}, 'darwin')).toBe(true);
    expect(canOpenBrowser({}, 'win32')).toBe(true);
    expect(canOpenBrowser({ BROWSER: 'none' }, 'darwin')).toBe(false);
  });
});
