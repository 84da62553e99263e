// Headless Chromium with WebGPU for the browser tier. Design decision: we drive the system Chromium
// (/usr/bin/chromium, installed by scripts/setup.mjs) with playwright-core and never download a browser;
// on machines without a GPU Chromium's WebGPU runs on SwiftShader.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run \`npm test\` (its setup installs it) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--enable-unsafe-webgpu',
      '--enable-features=Vulkan',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** Collect the page's uncaught errors and console errors into `errors` (each test file asserts it stays empty). */
export function recordPageErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
}
