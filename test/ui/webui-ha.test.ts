// The web UI across a leader change, in headless Chromium: opened on the leader of a real HA
// cluster (ZooKeeper, two master processes, an agent) with `?masters=` naming both, the page
// goes on, live, on the new leader after the leader is SIGKILLed. The overview lists the
// leader and the standby (/master/masters) before and after, and charts the usage the master
// relays from the agent's statistics. Skipped with a printed reason without Chromium or
// ZooKeeper.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { HA_WAIT_MS, HaCluster } from "../ha/cluster.ts";
import { zooKeeperSkip } from "../support/zookeeper.ts";
import {
  browserSkipReason,
  buildUiAssets,
  screenshot,
  startBrowser,
  textOf,
  waitForText,
} from "./browser.ts";

const skip = browserSkipReason() ?? zooKeeperSkip().skip;
if (skip !== undefined) console.warn(`skipping the web UI HA test: ${skip}`);

let cluster: HaCluster | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  await cluster?.stop();
});

test("the UI lists leader and standby, charts usage, and goes on on the new leader after a kill", {
  skip,
}, async () => {
  buildUiAssets();
  cluster = await HaCluster.start({ masters: 2, agents: 1 });
  const leader = await cluster.leader();
  const masters = cluster.masters.map((m) => `127.0.0.1:${m.port}`).join(",");
  browser = await startBrowser();
  const page = await browser.newPage();
  await page.goto(`${leader.url}/?masters=${masters}#/overview`);
  await page.waitForSelector(".status.live", { timeout: HA_WAIT_MS });
  await waitForText(page, "[data-testid=agent-counts]", "1", HA_WAIT_MS);
  const standby = cluster.masters.find((m) => m !== leader);
  assert.ok(standby !== undefined);
  await waitForText(
    page,
    "[data-testid=masters] [data-role=leader]",
    `:${leader.port}`,
    HA_WAIT_MS,
  );
  await waitForText(
    page,
    "[data-testid=masters] [data-role=standby]",
    `:${standby.port}`,
    HA_WAIT_MS,
  );
  // The usage charts, from the master's relay of the agent's /monitor/statistics.
  await waitForText(page, "[data-testid=usage-note]", "on 1 of 1 agents", HA_WAIT_MS);
  const usageCharts = await page.$$eval("[data-testid=usage] svg polyline", (l) => l.length);
  assert.equal(usageCharts, 2, "cpus and memory in use are charted");
  await screenshot(page, "ha-before");

  leader.kill("SIGKILL");
  const next = await cluster.leader(leader.port);
  try {
    await page.waitForFunction(
      `location.port === "${next.port}" && document.querySelector(".status.live") !== null`,
      { timeout: HA_WAIT_MS },
    );
  } catch (error) {
    const where = `${page.url()}: ${await textOf(page, "[data-testid=stream-status]")}`;
    await screenshot(page, "ha-after");
    throw new Error(`the page did not go on at :${next.port} (${where})`, { cause: error });
  }
  // The leader line is filled in by a GET_MASTER call just after the stream is live.
  await waitForText(page, "[data-testid=leader]", `:${next.port}`, HA_WAIT_MS);
  await waitForText(page, "[data-testid=masters] [data-role=leader]", `:${next.port}`, HA_WAIT_MS);
  assert.equal(new URL(page.url()).hash, "#/overview");
  await screenshot(page, "ha-after");
});
