// The web UI in headless Chromium against a real master that requires HTTP authentication
// (--authenticate_http_readonly and _readwrite, a credentials file) with one agent on the
// wire: the page shows its login form, a wrong password shows the master's refusal, the right
// one shows the overview with the agent (the event stream carries the credential); on the
// agents page, Drain asks for confirmation and the agent's state changes; Log out brings the
// form back. Skipped with a printed reason where Chromium is missing.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import type { Browser, Page } from "puppeteer-core";
import { type RunningMaster, startMaster } from "../../src/master/server.ts";
import { TestAgent } from "../master/http/test-agent.ts";
import {
  browserSkipReason,
  buildUiAssets,
  fillInput,
  screenshot,
  startBrowser,
  textOf,
  waitForRow,
  waitForText,
} from "./browser.ts";

const WAIT_MS = 60_000;
const PRINCIPAL = "ops";
const SECRET = "ops-secret";
const skip = browserSkipReason();
if (skip !== undefined) console.warn(`skipping the web UI login/actions tests: ${skip}`);

let dir = "";
let master: RunningMaster | undefined;
let agent: TestAgent | undefined;
let browser: Browser | undefined;
let page: Page;
const fill = (selector: string, text: string) => fillInput(page, selector, text);

before(async () => {
  if (skip !== undefined) return;
  buildUiAssets();
  dir = mkdtempSync(join(tmpdir(), "tessera-ui-login-"));
  const credentials = join(dir, "credentials.json");
  writeFileSync(
    credentials,
    JSON.stringify({ credentials: [{ principal: PRINCIPAL, secret: SECRET }] }),
  );
  master = await startMaster({
    flags: {
      registry: "in_memory",
      port: "0",
      ip: "127.0.0.1",
      authenticate_http_readonly: "true",
      authenticate_http_readwrite: "true",
      credentials,
    },
    logger: pino({ level: "silent" }),
  });
  agent = await TestAgent.start(master.url, { hostname: "drain-me" });
  browser = await startBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 800 });
});

after(async () => {
  await browser?.close();
  agent?.close();
  await master?.close();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

async function logIn(user: string, password: string): Promise<void> {
  await page.waitForSelector("[data-testid=login-user]", { timeout: WAIT_MS });
  await fill("[data-testid=login-user]", user);
  await fill("[data-testid=login-password]", password);
  await page.click("[data-testid=login-submit]");
}

test("a master requiring authentication: the login form refuses a wrong password and lets the right one see the overview", {
  skip,
}, async () => {
  await page.goto(`${master!.url}/#/overview`, { waitUntil: "load" });
  await logIn(PRINCIPAL, "wrong");
  await waitForText(page, "[data-testid=login-error]", "refused", WAIT_MS);
  // The master answers (it wants a login): no "does not answer" line above the form.
  assert.equal(await textOf(page, "[data-testid=stream-down]"), "");
  await screenshot(page, "login-refused");
  await logIn(PRINCIPAL, SECRET);
  await page.waitForSelector("[data-testid=overview]", { timeout: WAIT_MS });
  await waitForText(page, "[data-testid=stream-status]", "live", WAIT_MS);
  await page.waitForFunction(
    `/active\\D*1/.test(document.querySelector("[data-testid=agent-counts]")?.textContent ?? "")`,
    { timeout: WAIT_MS },
  );
  assert.equal(await textOf(page, "[data-testid=login]"), "");
  await screenshot(page, "login-overview");
});

test("the agents page drains an agent after confirmation and shows its new state", {
  skip,
}, async () => {
  await page.goto(`${master!.url}/#/agents`, { waitUntil: "load" });
  await waitForRow(page, "agents-table", /drain-me.*active/, WAIT_MS);
  await page.click("[data-testid=agents-table] button[data-action=drain]");
  await waitForText(page, "[data-testid=agent-confirm]", "Drain agent", WAIT_MS);
  await page.click("[data-testid=agent-confirm-yes]");
  await waitForRow(page, "agents-table", /drain-me.*drain(ing|ed)/, WAIT_MS);
  assert.match(await textOf(page, "[data-testid=agent-action-result]"), /Drain: .* done/);
  await screenshot(page, "agents-drained");
});

test("an action the master refuses shows its error; Log out brings the login form back", {
  skip,
}, async () => {
  // The machine is in no maintenance schedule: the master refuses to take it down.
  await page.click("[data-testid=agents-table] button[data-action=down]");
  await page.click("[data-testid=agent-confirm-yes]");
  await page.waitForSelector("[data-testid=agent-action-result].error", { timeout: WAIT_MS });
  await page.click("[data-testid=logout]");
  await page.waitForSelector("[data-testid=login-user]", { timeout: WAIT_MS });
});
