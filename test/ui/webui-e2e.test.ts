// The web UI in real headless Chromium against a real `tessera dev` cluster (master, agent,
// real task processes): the overview shows the agent and the totals; a task launched with the
// CLI appears on the tasks page and finishes there without a reload (the event stream, not a
// poll); its sandbox, read through the master, shows its stdout, a file in a directory and its
// download; an app deployed from the services page turns its health bar healthy; an app whose
// task fails shows that failure with its stdout and stderr tails, and one no agent fits shows
// why its deployment waits; a job created on the jobs page and run now shows its run in the
// history, and a dependent job is drawn in the graph. Screenshots of each page go to
// test-artifacts/ui/. Skipped with a printed reason where Chromium is missing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Dialog, Page } from "puppeteer-core";
import { tessera } from "../cli/helpers.ts";
import { eventually } from "../support/eventually.ts";
import {
  browserSkipReason,
  buildUiAssets,
  fillInput as fillJson,
  screenshot,
  startBrowser,
  textOf,
  waitForRow,
  waitForText,
} from "./browser.ts";
import { type DevCluster, startDevCluster } from "./dev-cluster.ts";

/** Longest wait for the dev cluster, a page or a task on this (loaded) machine. */
const WAIT_MS = 120_000;
const skip = browserSkipReason();
if (skip !== undefined) console.warn(`skipping the web UI browser tests: ${skip}`);

let cluster: DevCluster | undefined;
let master = "";
let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (skip !== undefined) return;
  buildUiAssets();
  cluster = await startDevCluster(WAIT_MS);
  master = cluster.master;
  browser = await startBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

test("the overview at / shows the live stream, the agent and the cluster's totals", {
  skip,
}, async () => {
  await page.goto(`${master}/`);
  await page.waitForSelector(".status.live", { timeout: WAIT_MS });
  await eventually(
    "one active agent on the overview",
    async () => /active\s*1/.test(await textOf(page, "[data-testid=agent-counts]")),
    { timeoutMs: WAIT_MS, everyMs: 200 },
  );
  const cpus = await textOf(page, "[data-cell=total-cpus]");
  assert.ok(Number(cpus) > 0, `total cpus '${cpus}'`);
  assert.match(await textOf(page, "[data-cell=total-mem]"), /[1-9].* (MB|GB)/);
  // The leader is asked for (GET_MASTER) once the stream is live: it may be drawn a moment later.
  await page.waitForFunction(
    `/:\\d+$/.test(document.querySelector("[data-testid=leader]")?.textContent ?? "")`,
    { timeout: WAIT_MS },
  );
  await screenshot(page, "overview");

  await page.goto(`${master}/#/agents`);
  await page.waitForSelector("[data-testid=agents-table][data-rows='1']", { timeout: WAIT_MS });
  await screenshot(page, "agents");
});

test("a task launched with the CLI appears and finishes on the tasks page without a reload, and its sandbox shows its stdout, a file in a directory and its download", {
  skip,
}, async () => {
  await page.goto(`${master}/#/tasks`);
  await page.waitForSelector(".status.live", { timeout: WAIT_MS });
  // A marker on the window: gone if the page were reloaded.
  await page.evaluate("window.uiTestMarker = 42");

  const run = tessera([
    "run",
    "--master",
    master,
    "--name",
    "uitest",
    "--",
    "sh",
    "-c",
    "echo hello-from-ui; mkdir -p sub; echo nested-file > sub/inner.txt; sleep 3",
  ]);
  await waitForRow(page, "tasks-table", /uitest.*RUNNING/, WAIT_MS);
  await screenshot(page, "tasks-running");
  await waitForRow(page, "tasks-table", /uitest.*FINISHED/, WAIT_MS);
  assert.equal(await page.evaluate("window.uiTestMarker"), 42);
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  await screenshot(page, "tasks");

  await page.goto(`${master}/#/frameworks`);
  await page.waitForSelector("[data-testid=frameworks-table]", { timeout: WAIT_MS });
  await screenshot(page, "frameworks");

  await page.goto(`${master}/#/tasks`);
  await page.type("[data-testid=task-filter]", "uitest");
  await page.waitForSelector("[data-testid=tasks-table] .trow.clickable", { timeout: WAIT_MS });
  await page.click("[data-testid=tasks-table] .trow.clickable");
  await page.waitForSelector("[data-testid=task-history]", { timeout: WAIT_MS });
  assert.match(
    await textOf(page, "[data-testid=task-history]"),
    /TASK_RUNNING[\s\S]*TASK_FINISHED/,
  );
  await screenshot(page, "task-detail");

  await page.click("[data-testid=sandbox-link]");
  await page.waitForSelector("[data-file=stdout]", { timeout: WAIT_MS });
  await page.click("[data-file=stdout]");
  await waitForText(page, "[data-testid=file-content]", "hello-from-ui", WAIT_MS);
  await screenshot(page, "sandbox");

  // Into a directory (its own URL), a file there opened and downloaded, and back up.
  await page.click("[data-dir=sub]");
  await page.waitForSelector("[data-file='inner.txt']", { timeout: WAIT_MS });
  assert.match(String(await page.evaluate("location.hash")), /\/sub$/);
  await page.click("[data-file='inner.txt']");
  await waitForText(page, "[data-testid=file-content]", "nested-file", WAIT_MS);
  const downloaded = await page.evaluate(
    `fetch(document.querySelector(".viewer a[download]").href).then((r) => r.text())`,
  );
  assert.equal(downloaded, "nested-file\n");
  await page.click("[data-dir='..']");
  await page.waitForSelector("[data-file=stdout]", { timeout: WAIT_MS });
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

test("a job created on the jobs page and run now shows its run and status; a dependent job is drawn in the graph, disabled, enabled and filtered", {
  skip,
}, async () => {
  await page.goto(`${master}/#/jobs`);
  await page.waitForSelector("[data-testid=job-new]", { timeout: WAIT_MS });
  await page.click("[data-testid=job-new]");
  const job = {
    name: "uijob",
    command: "echo job-ran",
    schedule: "R/2030-01-01T00:00:00Z/PT24H",
    cpus: 0.1,
    mem: 32,
  };
  await fillJson(page, "[data-testid=job-json]", JSON.stringify(job));
  await page.click("[data-testid=job-submit]");
  await page.waitForSelector("[data-run=uijob]", { timeout: WAIT_MS });
  await waitForText(page, "[data-next-run=uijob]", "2030-01-01T00:00:00", WAIT_MS);
  await page.click("[data-run=uijob]");
  await page.click("[data-job=uijob] a");
  await page.waitForFunction(`location.hash === "#/jobs/uijob"`, { timeout: WAIT_MS });
  try {
    await waitForText(page, "[data-testid=job-history]", "success", WAIT_MS);
    await waitForText(page, "[data-status=uijob]", "idle · last success", WAIT_MS);
    // A dependent job: drawn in the graph with an edge from its parent; disabled and enabled.
    await page.click("[data-testid=job-new]");
    const child = {
      name: "uichild",
      command: "echo child",
      parents: ["uijob"],
      cpus: 0.1,
      mem: 32,
    };
    await fillJson(page, "[data-testid=job-json]", JSON.stringify(child));
    await page.click("[data-testid=job-submit]");
    await page.waitForSelector("[data-toggle=uichild]", { timeout: WAIT_MS });
    await page.waitForFunction(
      `document.querySelectorAll("[data-testid=job-graph] rect").length === 2 &&
       document.querySelectorAll("[data-testid=job-graph] line").length === 1`,
      { timeout: WAIT_MS },
    );
    await page.click("[data-toggle=uichild]");
    await waitForText(page, "[data-job=uichild]", "(disabled)", WAIT_MS);
    await waitForText(page, "[data-toggle=uichild]", "Enable", WAIT_MS);
    await page.click("[data-toggle=uichild]");
    await waitForText(page, "[data-toggle=uichild]", "Disable", WAIT_MS);
    await fillJson(page, "[data-testid=jobs-filter]", "child");
    await page.waitForFunction(
      `document.querySelectorAll("[data-testid=jobs-table] [data-job]").length === 1 &&
       !!document.querySelector("[data-job=uichild]")`,
      { timeout: WAIT_MS },
    );
    // The filter stays while the page lives: the next tests see every job.
    await fillJson(page, "[data-testid=jobs-filter]", "");
  } finally {
    await screenshot(page, "jobs");
  }
});

test("Kill on the jobs page ends a job's running run, shown killed in its history", {
  skip,
}, async () => {
  await page.goto(`${master}/#/jobs`);
  await page.waitForSelector("[data-testid=job-new]", { timeout: WAIT_MS });
  await page.click("[data-testid=job-new]");
  const job = {
    name: "uisleep",
    command: "sleep 300",
    schedule: "R/2030-01-01T00:00:00Z/PT24H",
    cpus: 0.1,
    mem: 32,
  };
  await fillJson(page, "[data-testid=job-json]", JSON.stringify(job));
  await page.click("[data-testid=job-submit]");
  await page.waitForSelector("[data-run=uisleep]", { timeout: WAIT_MS });
  await page.click("[data-run=uisleep]");
  await page.click("[data-job=uisleep] a");
  try {
    await waitForText(page, "[data-testid=job-history]", "running", WAIT_MS);
    await waitForText(page, "[data-status=uisleep]", "running", WAIT_MS);
    await page.click("[data-kill=uisleep]");
    await waitForText(page, "[data-testid=job-history]", "killed", WAIT_MS);
  } finally {
    await screenshot(page, "jobs-killed");
  }
});

test("the roles page edits a role's weight; the offers and maintenance pages render", {
  skip,
}, async () => {
  await page.goto(`${master}/#/roles`);
  await page.waitForSelector("[data-role] button", { timeout: WAIT_MS });
  const role = String(await page.evaluate(`document.querySelector("[data-role]").dataset.role`));
  await page.click(`[data-role="${role}"] button`);
  await page.click("[data-testid=roles] .filters input", { count: 3 });
  await page.type("[data-testid=roles] .filters input", "3");
  await page.click("[data-testid=roles] .filters button");
  await page.waitForFunction(
    `document.querySelector('[data-role="${role}"] td:nth-child(2)')?.textContent === "3"`,
    { timeout: WAIT_MS },
  );
  await screenshot(page, "roles");
  await page.goto(`${master}/#/offers`);
  await page.waitForSelector("[data-testid=offers]", { timeout: WAIT_MS });
  await screenshot(page, "offers");
  await page.goto(`${master}/#/maintenance`);
  await waitForText(page, "[data-testid=maintenance]", "Down machines", WAIT_MS);
  await screenshot(page, "maintenance");
});
