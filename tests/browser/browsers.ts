// The browsers the tests drive, behind one small interface: Debian's Chromium through
// playwright-core (tests/browser/chromium.ts) and Debian's Firefox ESR through puppeteer-core
// over WebDriver BiDi. Neither client ever downloads a browser of its own.

import { existsSync } from "node:fs";
import puppeteer from "puppeteer-core";
import { CHROMIUM, launchChromium } from "./chromium.js";

export const FIREFOX = "/usr/bin/firefox-esr";

/** An open page and what it did. */
export interface OpenedPage {
  /** Runs `fn(arg)` in the page and returns its (awaited, serialisable) result. */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Waits until `fn()` is truthy in the page. */
  waitFor(fn: () => unknown, timeoutMs: number): Promise<void>;
  /** Paths of every request the page made. */
  readonly requests: string[];
  /** Uncaught errors, console errors and HTTP errors. */
  readonly errors: string[];
  close(): Promise<void>;
}

export interface TestBrowser {
  readonly version: string;
  open(url: string): Promise<OpenedPage>;
  close(): Promise<void>;
}

export interface BrowserKind {
  readonly name: "chromium" | "firefox";
  readonly executable: string;
  /** Why the browser tests of this kind cannot run here, and how to fix that. */
  readonly missing: string;
  launch(): Promise<TestBrowser>;
}

const missing = (executable: string, pkg: string): string =>
  `${executable} is missing: install Debian's ${pkg} with \`apt-get update && apt-get install -y ${pkg}\` (.ci/run does)`;

export const BROWSER_KINDS: readonly BrowserKind[] = [
  { name: "chromium", executable: CHROMIUM, missing: missing(CHROMIUM, "chromium"), launch: launchChromiumBrowser },
  { name: "firefox", executable: FIREFOX, missing: missing(FIREFOX, "firefox-esr"), launch: launchFirefox },
];

export const isInstalled = (kind: BrowserKind): boolean => existsSync(kind.executable);

async function launchChromiumBrowser(): Promise<TestBrowser> {
  const chromium = await launchChromium();
  return {
    version: `Chromium ${chromium.context.browser()?.version() ?? ""}`.trim(),
    open: async (url) => {
      const page = await chromium.context.newPage();
      const opened: OpenedPage = {
        evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg),
        waitFor: async (fn, timeout) => void (await page.waitForFunction(fn, undefined, { timeout })),
        requests: [],
        errors: [],
        close: () => page.close(),
      };
      page.on("request", (r) => opened.requests.push(new URL(r.url()).pathname));
      page.on("pageerror", (e) => opened.errors.push(String(e)));
      page.on("console", (m) => m.type() === "error" && opened.errors.push(`${m.text()} (${m.location().url})`));
      page.on("response", (r) => r.status() >= 400 && opened.errors.push(`HTTP ${r.status()} for ${new URL(r.url()).pathname}`));
      await page.goto(url);
      return opened;
    },
    close: () => chromium.close(),
  };
}

async function launchFirefox(): Promise<TestBrowser> {
  const browser = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true });
  return {
    version: (await browser.version()).replace("firefox/", "Firefox "),
    open: async (url) => {
      const page = await browser.newPage();
      const opened: OpenedPage = {
        evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as (arg: unknown) => Promise<R>, arg) as Promise<R>,
        waitFor: async (fn, timeout) => void (await page.waitForFunction(fn, { timeout })),
        requests: [],
        errors: [],
        close: () => page.close(),
      };
      page.on("request", (r) => opened.requests.push(new URL(r.url()).pathname));
      page.on("pageerror", (e) => opened.errors.push(String(e)));
      page.on("console", (m) => m.type() === "error" && opened.errors.push(`${m.text()} (${m.location().url ?? ""})`));
      page.on("response", (r) => r.status() >= 400 && opened.errors.push(`HTTP ${r.status()} for ${new URL(r.url()).pathname}`));
      await page.goto(url);
      return opened;
    },
    close: () => browser.close(),
  };
}
