// The services pages of the web UI in real headless Chromium against a real `tessera dev`
// cluster: an app deployed from the services page turns its health bar healthy, is found by the
// filter and its page lists its instance; Edit starts from its definition; Suspend and a
// rollback, Scale and Restart act on it; an app whose task fails shows that failure with its
// stdout and stderr tails, and one no agent fits shows why its deployment waits. Screenshots go
// to test-artifacts/ui/. Skipped with a printed reason where Chromium is missing.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Dialog, Page } from "puppeteer-core";
import { eventually } from "../support/eventually.ts";
import { fillInput as fillJson, screenshot, textOf, waitForText } from "./browser.ts";
import { devClusterSuite } from "./dev-cluster.ts";

/** Longest wait for the dev cluster, a page or a task on this (loaded) machine. */
const WAIT_MS = 120_000;
let master = "";
let page: Page;
const skip = devClusterSuite(WAIT_MS, (started) => {
  ({ master, page } = started);
});

test("an app deployed from the services page turns its health bar healthy; the filter finds it, its page lists its healthy instance and Edit shows its definition", {
  skip,
}, async () => {
  await page.goto(`${master}/#/services`);
  await page.waitForSelector("[data-testid=app-new]", { timeout: WAIT_MS });
  await page.click("[data-testid=app-new]");
  const app = {
    id: "/uitest-web",
    cmd: "sleep 1000",
    cpus: 0.1,
    mem: 32,
    instances: 1,
    healthChecks: [
      {
        protocol: "COMMAND",
        command: { value: "true" },
        intervalSeconds: 1,
        delaySeconds: 0,
        gracePeriodSeconds: 30,
      },
    ],
  };
  await fillJson(page, "[data-testid=app-json]", JSON.stringify(app));
  await page.click("[data-testid=app-submit]");
  try {
    await page.waitForSelector("[data-testid='health-/uitest-web'][data-healthy='1']", {
      timeout: WAIT_MS,
    });
  } finally {
    // Also on failure: the page then shows what the services API said.
    await screenshot(page, "services");
  }
  await fillJson(page, "[data-testid=apps-filter]", "no-such-app");
  await waitForText(page, "[data-testid=apps]", "No app matches the filter.", WAIT_MS);
  await fillJson(page, "[data-testid=apps-filter]", "web");
  // The app's own page lists its instance, running and healthy.
  await page.click("[data-app='/uitest-web'] a");
  await page.waitForFunction(
    `[...document.querySelectorAll("[data-testid=app-tasks] [data-task]")].some((tr) =>
       /TASK_RUNNINGs*healthy/.test(tr.textContent ?? ""))`,
    { timeout: WAIT_MS },
  );
  assert.equal(await page.evaluate("location.hash"), "#/services/%2Fuitest-web");
  await screenshot(page, "services-app");
  // The filter stays while the page lives: the next tests see every app.
  await fillJson(page, "[data-testid=apps-filter]", "");
  // Edit starts from the app's definition, without the fields the API adds when it lists it.
  await page.click("[data-edit='/uitest-web']");
  const edited = JSON.parse(
    String(
      await page.$eval(
        "[data-testid=app-json]",
        (el) => (el as unknown as { value: string }).value,
      ),
    ),
  ) as Record<string, unknown>;
  assert.equal(edited.id, "/uitest-web");
  assert.equal(edited.cmd, "sleep 1000");
  for (const field of ["tasksRunning", "version", "deployments", "tasks"])
    assert.equal(edited[field], undefined, field);
  await page.click("[data-testid=app-cancel]");
});

/** Waits until the app's row on the services page shows `running / instances`. */
async function appCounts(page: Page, id: string, counts: string): Promise<void> {
  await page.waitForFunction(
    `[...document.querySelectorAll("[data-testid=apps] tr")].some((tr) =>
       tr.firstElementChild?.textContent === ${JSON.stringify(id)} &&
       tr.querySelector("td.num")?.textContent === ${JSON.stringify(counts)})`,
    { timeout: WAIT_MS, polling: 200 },
  );
}

test("Suspend scales an app to 0 and Versions rolls it back to its earlier version", {
  skip,
}, async () => {
  await page.goto(`${master}/#/services`);
  await appCounts(page, "/uitest-web", "1 / 1");
  await page.click("[data-suspend='/uitest-web']");
  await appCounts(page, "/uitest-web", "0 / 0");
  // The versions prompt lists newest first: 1 is the version before the suspension.
  const answer = (d: Dialog) => void d.accept("1");
  page.on("dialog", answer);
  try {
    await page.click("[data-rollback='/uitest-web']");
    await appCounts(page, "/uitest-web", "1 / 1");
  } finally {
    page.off("dialog", answer);
    await screenshot(page, "services-rollback");
  }
});

/** The ids of the app's running tasks on its page (#/services/<id>). */
async function runningTaskIds(id: string): Promise<string[]> {
  await page.goto(`${master}/#/services/${encodeURIComponent(id)}`);
  await page.waitForSelector("[data-testid=app-page]", { timeout: WAIT_MS });
  return (await page.evaluate(
    `[...document.querySelectorAll("[data-testid=app-tasks] [data-task]")]
       .filter((tr) => tr.textContent.includes("TASK_RUNNING")).map((tr) => tr.dataset.task)`,
  )) as string[];
}

test("Scale sets an app's instances, and Restart replaces every one of its tasks", {
  skip,
}, async () => {
  await page.goto(`${master}/#/services`);
  await appCounts(page, "/uitest-web", "1 / 1");
  const answer = (d: Dialog) => void d.accept("2");
  page.on("dialog", answer);
  try {
    await page.click("[data-scale='/uitest-web']");
    await appCounts(page, "/uitest-web", "2 / 2");
  } finally {
    page.off("dialog", answer);
  }
  let before: string[] = [];
  await eventually(
    "the app's page to list its 2 running tasks",
    async () => {
      before = await runningTaskIds("/uitest-web");
      return before.length === 2;
    },
    { timeoutMs: WAIT_MS, everyMs: 500 },
  );
  await page.click("[data-restart='/uitest-web']");
  await eventually(
    "2 running tasks, none of them from before the restart",
    async () => {
      const now = await runningTaskIds("/uitest-web");
      return now.length === 2 && now.every((t) => !before.includes(t));
    },
    { timeoutMs: WAIT_MS, everyMs: 500 },
  );
  await screenshot(page, "services-restarted");
});

test("an app whose task fails shows its last failure with the tails of its stdout and stderr, read through the master", {
  skip,
}, async () => {
  await page.goto(`${master}/#/services`);
  await page.waitForSelector("[data-testid=app-new]", { timeout: WAIT_MS });
  await page.click("[data-testid=app-new]");
  // Checked in the page before anything is sent.
  await fillJson(
    page,
    "[data-testid=app-json]",
    '{"id": "/uitest-fail", "cmd": "x", "instances": -1}',
  );
  await page.click("[data-testid=app-submit]");
  await waitForText(page, "[data-testid=app-error]", "`instances`", WAIT_MS);
  const app = {
    id: "/uitest-fail",
    cmd: "echo out-marker-1; echo err-marker-2 >&2; exit 1",
    cpus: 0.1,
    mem: 32,
    instances: 1,
  };
  await fillJson(page, "[data-testid=app-json]", JSON.stringify(app));
  await page.click("[data-testid=app-submit]");
  await page.waitForSelector("[data-failure='/uitest-fail']", { timeout: WAIT_MS });
  await page.click("[data-failure='/uitest-fail']");
  const confirm = (d: Dialog) => void d.accept();
  try {
    assert.equal(await page.evaluate("location.hash"), "#/services/%2Fuitest-fail");
    await waitForText(
      page,
      "[data-testid=last-failure] [data-field=state]",
      "TASK_FAILED",
      WAIT_MS,
    );
    await waitForText(page, "[data-testid=failure-stdout]", "out-marker-1", WAIT_MS);
    await waitForText(page, "[data-testid=failure-stderr]", "err-marker-2", WAIT_MS);
    assert.doesNotMatch(await textOf(page, "[data-testid=failure-stdout]"), /err-marker-2/);
    assert.match(await textOf(page, "[data-testid=last-failure] [data-field=time]"), /^\d{4}-/);
    assert.match(
      String(await page.evaluate(`document.querySelector("[data-testid=failure-sandbox]").hash`)),
      /^#\/sandbox\/[^/]+\/[^/]+\/uitest-fail\./,
    );
  } finally {
    await screenshot(page, "services-failure");
    // The app would fail and relaunch for the rest of the run.
    page.on("dialog", confirm);
    await page.click("[data-delete='/uitest-fail']");
    await page.waitForFunction(`!document.querySelector("[data-app='/uitest-fail']")`, {
      timeout: WAIT_MS,
    });
    page.off("dialog", confirm);
  }
});

test("an app no agent can fit shows its deployment waiting and why: the offers' reject reasons", {
  skip,
}, async () => {
  await page.goto(`${master}/#/services`);
  await page.waitForSelector("[data-testid=app-new]", { timeout: WAIT_MS });
  await page.click("[data-testid=app-new]");
  const app = { id: "/uitest-wait", cmd: "sleep 100", cpus: 512, mem: 32, instances: 1 };
  await fillJson(page, "[data-testid=app-json]", JSON.stringify(app));
  await page.click("[data-testid=app-submit]");
  const confirm = (d: Dialog) => void d.accept();
  try {
    // The deployment names its top reason; the queue every reason with its counts.
    await waitForText(page, "[data-waiting='/uitest-wait']", "offers declined", WAIT_MS);
    await waitForText(page, "[data-testid=queue]", "InsufficientCpus", WAIT_MS);
  } finally {
    await screenshot(page, "services-waiting");
    page.on("dialog", confirm);
    await page.click("[data-delete='/uitest-wait']");
    await page.waitForFunction(`!document.querySelector("[data-app='/uitest-wait']")`, {
      timeout: WAIT_MS,
    });
    page.off("dialog", confirm);
  }
});
