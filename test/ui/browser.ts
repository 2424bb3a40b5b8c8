// Headless Chromium for the web UI's tests (puppeteer-core pointed at Debian's `chromium`,
// which .ci/run installs), the UI's assets built fresh, and screenshots written as test
// artifacts under test-artifacts/ui/ (gitignored).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { type Browser, launch, type Page } from "puppeteer-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = new URL("../../test-artifacts/ui/", import.meta.url).pathname;

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (!existsSync(CHROMIUM)) {
    return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
  return undefined;
}

/** Bundles the UI into dist/ui, where the master (run from sources) finds it. */
export function buildUiAssets(): void {
  const script = new URL("../../scripts/build-ui.mjs", import.meta.url).pathname;
  execFileSync(process.execPath, [script], { stdio: "inherit" });
}

export function startBrowser(): Promise<Browser> {
  return launch({
    executablePath: CHROMIUM,
    headless: true,
    // Tests run as root in CI containers, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

// Page-side code is passed as strings: the node-side type-check has no DOM library.

/** The text of the first element matching `selector`, or "" when there is none. */
export function textOf(page: Page, selector: string): Promise<string> {
  return page.evaluate(
    `document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""`,
  ) as Promise<string>;
}

/** Waits until some row of the table `testId` has text matching `pattern`. */
export async function waitForRow(
  page: Page,
  testId: string,
  pattern: RegExp,
  timeout: number,
): Promise<void> {
  await page.waitForFunction(
    `[...document.querySelectorAll('[data-testid=${testId}] .trow')].some((r) => ${pattern}.test(r.textContent ?? ""))`,
    { timeout },
  );
}

/** Waits until the element matching `selector` has text containing `text`. */
export async function waitForText(
  page: Page,
  selector: string,
  text: string,
  timeout: number,
): Promise<void> {
  await page.waitForFunction(
    `document.querySelector(${JSON.stringify(selector)})?.textContent?.includes(${JSON.stringify(text)})`,
    { timeout },
  );
}

/**
 * Puts `text` in an input or textarea and tells the page in the same step (an input event), so
 * that a re-render between setting the value and the page reading it cannot put the old text
 * back (the pages poll and re-render every 2 s).
 */
export async function fillInput(page: Page, selector: string, text: string): Promise<void> {
  await page.$eval(
    selector,
    (el, value) => {
      const input = el as unknown as { value: string; dispatchEvent(event: Event): boolean };
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    },
    text,
  );
}
