// The demo page's screenshot: the browser test takes one (build/browser/demo.png) each run;
// `npm run demo:screenshot` takes the README's (docs/demo.png); its timing has onnxruntime-web's
// bar when the benchmark's models are exported (`npm run bench` once).

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { buildDemo, DEMO_SITE } from "../../demo/web/serve.js";
import { ROOT } from "./build.js";
import { launchChromium } from "./chromium.js";
import { startStaticServer } from "./static-server.js";

/** What the screenshot shows: SE on S, timed at load (?run). */
export const DEMO_QUERY = "?block=se&shape=S&threads=1&level=all&run";

/**
 * Opens the demo at `url`, waits until the image panel, the trained blocks' section and the
 * timing run have finished (or failed), and saves a full-page screenshot to `png`. Returns the
 * page, still open.
 */
export async function captureDemo(context: BrowserContext, url: string, png: string): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url);
  await page.waitForFunction(() => ["image", "trained", "timing"].every((panel) => ["done", "error", "missing"].includes(document.body.dataset[panel] ?? "")), undefined, { timeout: 90_000 });
  mkdirSync(dirname(png), { recursive: true });
  await page.screenshot({ path: png, fullPage: true });
  return page;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = await buildDemo();
  const server = await startStaticServer(DEMO_SITE);
  const chromium = await launchChromium();
  try {
    const png = join(ROOT, "docs/demo.png");
    const page = await captureDemo(chromium.context, `${server.origin}${path}${DEMO_QUERY}`, png);
    const state = await page.evaluate(() => (globalThis as unknown as { demoState: unknown }).demoState);
    console.log(JSON.stringify(state, (k, v) => (["channel", "gates", "ortGates"].includes(k) ? undefined : v), 1));
    console.log(`wrote ${png}`);
  } finally {
    await chromium.close();
    await server.close();
  }
}
