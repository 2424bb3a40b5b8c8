// The command executor's HealthChecker with real COMMAND probes (Mesos's HealthChecker): the
// first success is reported, every failure outside the grace period is reported, the task is
// to be killed after `consecutive_failures` in a row, and failures within the grace period
// before the first success are ignored.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { HealthChecker } from "../../../src/agent/executor/health-check.ts";
import { HealthCheck } from "../../../src/wire/task.ts";

const root = mkdtempSync(join(tmpdir(), "tessera-health-"));
after(() => rmSync(root, { recursive: true, force: true }));
const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

function command(value: string, extra: Record<string, unknown> = {}): HealthCheck {
  return HealthCheck.parse({
    type: "COMMAND",
    command: { value },
    delay_seconds: 0,
    interval_seconds: 0.05,
    timeout_seconds: 2,
    consecutive_failures: 3,
    grace_period_seconds: 0,
    ...extra,
  });
}

/** Runs a checker until it asks for the kill; returns what it reported, in order. */
function runUntilKill(check: HealthCheck, cwd: string, onReport?: (n: number) => void) {
  const reports: (boolean | string)[] = [];
  return new Promise<(boolean | string)[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no kill; got ${reports}`)), 15_000);
    const checker = new HealthChecker(check, ENV, cwd, {
      healthChanged: (healthy) => {
        reports.push(healthy);
        onReport?.(reports.length);
      },
      unhealthy: (failures) => {
        reports.push(`kill after ${failures}`);
        clearTimeout(timer);
        checker.stop();
        resolve(reports);
      },
    });
  });
}

test("the first success and every failure are reported; consecutive_failures failures ask for the kill", async () => {
  const cwd = mkdtempSync(join(root, "a-"));
  const reports = await runUntilKill(command("test ! -e sick"), cwd, (n) => {
    if (n === 1) writeFileSync(join(cwd, "sick"), "");
  });
  assert.deepEqual(reports, [true, false, false, false, "kill after 3"]);
});

test("a success between failures resets the count and is reported", async () => {
  const cwd = mkdtempSync(join(root, "b-"));
  // Fails once, succeeds once, then fails for good (state kept in the sandbox).
  const script =
    "n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -eq 1 ] || [ $n -eq 3 ]";
  const reports = await runUntilKill(command(script, { consecutive_failures: 2 }), cwd);
  assert.deepEqual(reports, [true, false, true, false, false, "kill after 2"]);
});

test("failures within the grace period before the first success are not reported", async () => {
  const cwd = mkdtempSync(join(root, "c-"));
  // Unhealthy until `ready` exists; the grace period (30 s) covers the early failures.
  const check = command("test -e ready && test ! -e sick", { grace_period_seconds: 30 });
  const reports: boolean[] = [];
  let probes = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${reports}`)), 15_000);
    const checker = new HealthChecker(check, ENV, cwd, {
      healthChanged: (healthy) => {
        reports.push(healthy);
        if (healthy) writeFileSync(join(cwd, "sick"), "");
        else {
          clearTimeout(timer);
          checker.stop();
          resolve();
        }
      },
      unhealthy: () => {},
    });
    // Let a few failing probes run (each leaves a trace), then become ready.
    const poll = setInterval(() => {
      probes += 1;
      if (probes === 10 && !existsSync(join(cwd, "ready"))) {
        writeFileSync(join(cwd, "ready"), "");
        clearInterval(poll);
      }
    }, 30);
  });
  // After the first success, failures count even within the grace period (as in Mesos).
  assert.deepEqual(reports, [true, false]);
});
