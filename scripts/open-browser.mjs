// Whether `npm start` (scripts/start.mjs) can open the studio in a browser. Design decision: apart from start.mjs,
// which starts a server when imported, so the rule is tested (tests/unit/start-open.test.ts) without one.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(cmd, env) {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, cmd)));
}

/** True when opening a browser can work: macOS / Windows, or Linux with a display and xdg-open on PATH. */
export function canOpenBrowser(env = process.env, platform = process.platform) {
  if (env.BROWSER === 'none') return false;
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY) && onPath('xdg-open', env);
}
