// A real `tessera dev` cluster (master, agent, services and jobs frameworks on free ports) for
// the web UI's browser tests, and its tear-down: every framework torn down and its tasks waited
// out first, since Ctrl-C of `tessera dev` leaves services' tasks running for the next one
// (README), then SIGINT and the data directory removed; and the set-up a browser test file over
// such a cluster shares (devClusterSuite).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type { Browser, Page } from "puppeteer-core";
import { BIN } from "../cli/helpers.ts";
import { eventually, watchOutput } from "../support/eventually.ts";
import { browserSkipReason, buildUiAssets, startBrowser } from "./browser.ts";

export interface DevCluster {
  /** The master's URL, from the banner. */
  readonly master: string;
  stop(): Promise<void>;
}

export async function startDevCluster(waitMs: number): Promise<DevCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-ui-"));
  const dev: ChildProcess = spawn(
    process.execPath,
    [BIN, "dev", "--data_dir", dataDir, "--port", "0", "--services_port", "0", "--jobs_port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stopDev = async () => {
    if (dev.exitCode === null && dev.signalCode === null) {
      const exited = new Promise((resolve) => dev.once("exit", resolve));
      dev.kill("SIGINT");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  let master: string;
  try {
    master = await watchOutput(dev).until(
      "the dev cluster's banner",
      (out) => (out.includes("agent 0:") ? /master:\s+(http:\/\/\S+)/.exec(out)?.[1] : undefined),
      waitMs,
    );
  } catch (e) {
    await stopDev();
    throw e;
  }
  return {
    master,
    stop: async () => {
      try {
        await endAllTasks(master, waitMs);
      } finally {
        await stopDev();
      }
    },
  };
}

async function endAllTasks(master: string, waitMs: number): Promise<void> {
  const state = async () =>
    (await (await fetch(`${master}/master/state`)).json()) as {
      frameworks: { id: string; tasks: unknown[] }[];
    };
  for (const f of (await state()).frameworks) {
    await fetch(`${master}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "TEARDOWN", teardown: { framework_id: { value: f.id } } }),
    });
  }
  await eventually(
    "every task of the dev cluster to end",
    async () => (await state()).frameworks.every((f) => f.tasks.length === 0),
    { timeoutMs: waitMs, everyMs: 200 },
  );
}

/**
 * A browser test file's set-up: the UI built, a dev cluster and a headless Chromium page
 * started before its first test (then `ready` gets them) and stopped after its last. The
 * answer says why the tests cannot run here, or undefined when they can.
 */
export function devClusterSuite(
  waitMs: number,
  ready: (started: { master: string; page: Page }) => void,
): string | undefined {
  const skip = browserSkipReason();
  if (skip !== undefined) console.warn(`skipping the web UI browser tests: ${skip}`);
  let cluster: DevCluster | undefined;
  let browser: Browser | undefined;
  before(async () => {
    if (skip !== undefined) return;
    buildUiAssets();
    cluster = await startDevCluster(waitMs);
    browser = await startBrowser();
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    ready({ master: cluster.master, page });
  });
  after(async () => {
    await browser?.close();
    await cluster?.stop();
  });
  return skip;
}
