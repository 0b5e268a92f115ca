import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's chromium (`.ci/run` installs it); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests save screenshots (gitignored). */
export const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;

/** A headless chromium; --no-sandbox because CI runs as root. */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'],
    defaultViewport: { width: 1280, height: 900 },
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// What runs in the page is passed as expression text: the test's TypeScript has no DOM
// types (they would clash with Node's fetch types in the rest of the repository).

/** Waits until the page's visible text contains `text`. */
export async function waitForText(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(text)})`, {
    timeout,
  });
}

/** Waits until a page expression is truthy. */
export async function waitFor(page: Page, expression: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(expression, { timeout });
}

/** The text of each cell, row by row, of the rows matching `rows`. */
export function cellTexts(page: Page, rows: string): Promise<string[][]> {
  return page.evaluate(
    `Array.from(document.querySelectorAll(${JSON.stringify(rows)}), (tr) =>
      Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? ''))`,
  ) as Promise<string[][]>;
}

/** An attribute of every element matching `selector`. */
export function attributes(page: Page, selector: string, name: string): Promise<string[]> {
  return page.evaluate(
    `Array.from(document.querySelectorAll(${JSON.stringify(selector)}), (el) =>
      el.getAttribute(${JSON.stringify(name)}))`,
  ) as Promise<string[]>;
}

/** Empties a text input the way a user would. */
export async function clearInput(page: Page, selector: string): Promise<void> {
  await page.click(selector, { clickCount: 3 });
  await page.keyboard.press('Backspace');
}
