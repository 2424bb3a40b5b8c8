// The web UI's operator pages in headless Chromium against a real master with a
// test agent on machine maint1 and two schedulers, each running a task there: with maint1 in
// the schedule, one framework accepts its inverse offer and the other declines, and the
// maintenance page shows the machine DRAINING with each framework's answer; a role's quota
// edited on the roles page is what GET_QUOTA and the page show after a reload, and editing only
// its limit keeps its guarantee; the agents table filters, and a click opens the agent's page
// with its resources, reservation, attributes and tasks, whose table sorts; likewise a
// framework's page; a master that stops answering is said so on the page. Skipped with a
// printed reason where Chromium is missing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "puppeteer-core";
import type { RunningMaster } from "../../src/master/server.ts";
import {
  currentOffer,
  type Loose,
  operatorCall,
  startTestMaster,
  subscribeScheduler,
  type TestScheduler,
  taskInfo,
  webFramework,
} from "../master/http/helpers.ts";
import { DEFAULT_AGENT_RESOURCES, TestAgent } from "../master/http/test-agent.ts";
import { launchCall } from "../master/scheduler-calls.ts";
import {
  browserSkipReason,
  buildUiAssets,
  fillInput,
  screenshot,
  startBrowser,
  waitForText,
} from "./browser.ts";

const WAIT_MS = 60_000;
const MACHINE = { hostname: "maint1", ip: "10.9.0.1" };
const skip = browserSkipReason();
if (skip !== undefined) console.warn(`skipping the web UI maintenance/roles tests: ${skip}`);

let master: RunningMaster | undefined;
let agent: TestAgent | undefined;
const schedulers: TestScheduler[] = [];
let browser: Browser | undefined;
let page: Page;
const fill = (selector: string, text: string) => fillInput(page, selector, text);

/**
 * Subscribes a framework of role web and runs one task of it on the agent; the rest of the
 * offer is refused for an hour, so the next framework is offered it.
 */
async function frameworkWithTask(name: string): Promise<TestScheduler> {
  const scheduler = await subscribeScheduler(master!, webFramework("alice", name));
  schedulers.push(scheduler);
  const offer = await currentOffer(master!, scheduler);
  const res = await scheduler.call(
    launchCall([offer.id], [taskInfo(offer, `${name}-task`)], { refuse_seconds: 3600 }),
  );
  assert.equal(res.status, 202, res.body);
  await agent!.waitFor("RUN_TASK");
  await agent!.sendUpdate(scheduler.frameworkId, `${name}-task`, "TASK_RUNNING");
  await scheduler.events.next("UPDATE");
  return scheduler;
}

before(async () => {
  if (skip !== undefined) return;
  buildUiAssets();
  master = await startTestMaster();
  agent = await TestAgent.start(master.url, {
    hostname: MACHINE.hostname,
    address: { ip: MACHINE.ip, port: 5051 },
    resources: [
      ...DEFAULT_AGENT_RESOURCES,
      {
        name: "disk",
        type: "SCALAR",
        scalar: { value: 500 },
        reservations: [{ type: "STATIC", role: "web" }],
      },
    ],
    attributes: [
      { name: "rack", type: "TEXT", text: { value: "r7" } },
      { name: "level", type: "SCALAR", scalar: { value: 3 } },
    ],
  });
  browser = await startBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 800 });
});

after(async () => {
  await browser?.close();
  for (const s of schedulers) s.close();
  agent?.close();
  await master?.close();
});

test("the maintenance page shows a draining machine's inverse-offer answers per framework", {
  skip,
}, async () => {
  const acceptor = await frameworkWithTask("acceptor");
  const decliner = await frameworkWithTask("decliner");
  const scheduled = await operatorCall(master!, {
    type: "UPDATE_MAINTENANCE_SCHEDULE",
    update_maintenance_schedule: {
      schedule: {
        windows: [
          {
            machine_ids: [MACHINE],
            unavailability: { start: { nanoseconds: 1_900_000_000_000_000_000 } },
          },
        ],
      },
    },
  });
  assert.equal(scheduled.status, 200, scheduled.body);
  for (const [scheduler, answer] of [
    [acceptor, "ACCEPT_INVERSE_OFFERS"],
    [decliner, "DECLINE_INVERSE_OFFERS"],
  ] as const) {
    const event = (await scheduler.events.next("INVERSE_OFFERS")) as Loose;
    const ids = event.inverse_offers.inverse_offers.map((io: Loose) => io.id);
    const field =
      answer === "ACCEPT_INVERSE_OFFERS" ? "accept_inverse_offers" : "decline_inverse_offers";
    const res = await scheduler.call({ type: answer, [field]: { inverse_offer_ids: ids } });
    assert.equal(res.status, 202, res.body);
  }

  await page.goto(`${master!.url}/#/maintenance`, { waitUntil: "load" });
  await waitForText(page, "[data-mode=maint1]", "DRAINING", WAIT_MS);
  const row = (s: TestScheduler) => `[data-answer="maint1 ${s.frameworkId}"]`;
  await waitForText(page, row(acceptor), "ACCEPT", WAIT_MS);
  await waitForText(page, row(decliner), "DECLINE", WAIT_MS);
  // The framework's name comes from the event stream: it may be drawn a moment later.
  await waitForText(page, row(acceptor), "acceptor", WAIT_MS);
  await waitForText(page, row(decliner), "decliner", WAIT_MS);
  await screenshot(page, "maintenance-answers");
});

const quotaOf = async (role: string) => {
  const res = await operatorCall(master!, { type: "GET_QUOTA" });
  const configs = ((res.json as Loose).get_quota.status.configs ?? []) as Loose[];
  return configs.find((c) => c.role === role);
};

/** Opens role `web`'s editor, sets the fields given, saves, and reloads the page. */
async function editRole(fields: Record<string, string>): Promise<void> {
  await page.goto(`${master!.url}/#/roles`, { waitUntil: "load" });
  await page.waitForSelector('[data-role="web"] button', { timeout: WAIT_MS });
  await page.click('[data-role="web"] button');
  await page.waitForSelector("[data-testid=role-save]", { timeout: WAIT_MS });
  for (const [field, value] of Object.entries(fields)) await fill(`[data-field="${field}"]`, value);
  await page.click("[data-testid=role-save]");
  await page.waitForFunction(`!document.querySelector("[data-testid=role-save]")`, {
    timeout: WAIT_MS,
  });
  await page.reload({ waitUntil: "load" });
}

test("a quota edited on the roles page is what GET_QUOTA and the page show after a reload", {
  skip,
}, async () => {
  await editRole({ "quota guarantee": "cpus=1,mem=256", limit: "cpus=3" });
  await waitForText(page, '[data-role="web"] td:nth-child(3)', "cpus 1, mem 256 MB", WAIT_MS);
  await waitForText(page, '[data-role="web"] td:nth-child(4)', "cpus 3", WAIT_MS);
  const set = await quotaOf("web");
  assert.deepEqual(set?.guarantees, { cpus: { value: 1 }, mem: { value: 256 } });
  assert.deepEqual(set?.limits, { cpus: { value: 3 } });
  await screenshot(page, "roles-quota");

  // Only the limit changes: the guarantee, shown in the editor as set, is kept.
  await editRole({ limit: "cpus=4" });
  await waitForText(page, '[data-role="web"] td:nth-child(4)', "cpus 4", WAIT_MS);
  const edited = await quotaOf("web");
  assert.deepEqual(edited?.guarantees, { cpus: { value: 1 }, mem: { value: 256 } });
  assert.deepEqual(edited?.limits, { cpus: { value: 4 } });
  assert.match(
    await page.$eval('[data-role="web"] td:nth-child(3)', (el) => el.textContent ?? ""),
    /cpus 1, mem 256 MB/,
  );
});

/** The text of each row of the table `testId`, in order. */
const rowTexts = (testId: string) =>
  page.$$eval(`[data-testid=${testId}] .trow:not(.thead)`, (rows) =>
    rows.map((r) => r.textContent ?? ""),
  );

test("the agents table filters; a click opens the agent's page with its resources, reservation, attributes and sortable tasks", {
  skip,
}, async () => {
  await page.goto(`${master!.url}/#/agents`, { waitUntil: "load" });
  await page.waitForSelector("[data-testid=agents-table][data-rows='1']", { timeout: WAIT_MS });
  assert.match((await rowTexts("agents-table"))[0] ?? "", /rack:r7; level:3/);
  await fill("[data-testid=agents-table-filter]", "no-such-host");
  await page.waitForSelector("[data-testid=agents-table][data-rows='0']", { timeout: WAIT_MS });
  await waitForText(page, "[data-testid=agents-table] .empty", "No row matches", WAIT_MS);
  await fill("[data-testid=agents-table-filter]", "maint1");
  await page.waitForSelector("[data-testid=agents-table][data-rows='1']", { timeout: WAIT_MS });
  await page.click("[data-testid=agents-table] .trow.clickable");
  await page.waitForSelector("[data-testid=agent-detail]", { timeout: WAIT_MS });
  assert.equal(await page.evaluate("location.hash"), `#/agents/${agent!.agentId}`);
  await waitForText(page, "[data-testid=agent-state]", "active", WAIT_MS);
  // Two tasks of 1 cpu each (the frameworks of the first test).
  await waitForText(page, "[data-testid=agent-resources] [data-row=allocated]", "2", WAIT_MS);
  assert.match(
    await page.$eval("[data-testid=agent-reservations]", (el) => el.textContent ?? ""),
    /web\s*disk\s*500\s*STATIC/,
  );
  assert.match(
    await page.$eval("[data-testid=agent-attributes]", (el) => el.textContent ?? ""),
    /rack\s*r7\s*level\s*3/,
  );
  await page.waitForSelector("[data-testid=agent-tasks][data-rows='2']", { timeout: WAIT_MS });
  const idHeader = "[data-testid=agent-tasks] .th.sortable";
  await page.click(idHeader);
  assert.match((await rowTexts("agent-tasks"))[0] ?? "", /^acceptor-task/);
  await page.click(idHeader);
  assert.match((await rowTexts("agent-tasks"))[0] ?? "", /^decliner-task/);
  await screenshot(page, "agent-detail");
});

test("the frameworks table filters; a click opens the framework's page with who it is, its allocation and its tasks", {
  skip,
}, async () => {
  const acceptor = schedulers[0]!;
  await page.goto(`${master!.url}/#/frameworks`, { waitUntil: "load" });
  await page.waitForSelector("[data-testid=frameworks-table][data-rows='2']", { timeout: WAIT_MS });
  await fill("[data-testid=frameworks-table-filter]", "acceptor");
  await page.waitForSelector("[data-testid=frameworks-table][data-rows='1']", { timeout: WAIT_MS });
  await page.click("[data-testid=frameworks-table] .trow.clickable");
  await page.waitForSelector("[data-testid=framework-detail]", { timeout: WAIT_MS });
  assert.equal(await page.evaluate("location.hash"), `#/frameworks/${acceptor.frameworkId}`);
  await waitForText(page, "[data-field=state]", "active", WAIT_MS);
  await waitForText(page, "[data-field=user]", "alice", WAIT_MS);
  await waitForText(page, "[data-field=roles]", "web", WAIT_MS);
  await waitForText(page, "[data-field=capabilities]", "MULTI_ROLE", WAIT_MS);
  await waitForText(page, "[data-testid=framework-resources] [data-row=allocated]", "1", WAIT_MS);
  await page.waitForSelector("[data-testid=framework-tasks][data-rows='1']", { timeout: WAIT_MS });
  assert.match((await rowTexts("framework-tasks"))[0] ?? "", /^acceptor-task/);
  await screenshot(page, "framework-detail");
});

test("when the master stops answering, the page says so, that what it shows may be stale, and what to do", {
  skip,
}, async () => {
  await page.goto(`${master!.url}/#/overview`, { waitUntil: "load" });
  await waitForText(page, "[data-testid=stream-status]", "live", WAIT_MS);
  const stopped = master!;
  master = undefined;
  await stopped.close();
  await waitForText(page, "[data-testid=stream-down]", "does not answer", WAIT_MS);
  await waitForText(page, "[data-testid=stream-down]", "?masters=", WAIT_MS);
  await screenshot(page, "master-down");
});
