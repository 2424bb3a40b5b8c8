// The containerizer's runtime log (runtime-log.ts): which containers it says still run, and
// recovery with it: a container no checkpoint knows (a framework that does not checkpoint) is
// destroyed as an orphan even under posix isolation, a known one is re-attached, and a pid the
// log names that now belongs to another process is left alone.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { readProcStat } from "../../../src/agent/containerizer/posix-isolator.ts";
import {
  liveEntries,
  RuntimeLog,
  sameProcess,
} from "../../../src/agent/containerizer/runtime-log.ts";
import { readBootId } from "../../../src/base/boot-id.ts";
import { eventually } from "../../support/eventually.ts";
import { groupAlive, make, makeSandboxParent, readSandbox, shell } from "./helpers.ts";

const sandboxes = makeSandboxParent();
after(() => sandboxes.remove());

describe("what the log says still runs", () => {
  test("every container launched and not ended, in this boot only", () => {
    const ids = ["a", "b", "c", "d"];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...ids), fc.nat(1 << 20)), {
          maxLength: 40,
        }),
        (events) => {
          const model = new Map<string, number>();
          let text = "B boot-1\n";
          for (const [launch, id, pid] of events) {
            if (launch) {
              model.set(id, pid);
              text += `L ${id} ${pid} 77\n`;
            } else {
              model.delete(id);
              text += `E ${id}\n`;
            }
          }
          const live = liveEntries(text, "boot-1");
          assert.deepEqual(
            [...live.values()].map((e) => [e.containerId, e.pid]).sort(),
            [...model].sort(),
          );
          assert.equal(liveEntries(text, "boot-2").size, 0, "another boot's log is empty");
        },
      ),
    );
  });

  test("a process is the one logged when it started within seconds of the logged launch", () => {
    const entry = { containerId: "x", pid: 1, startedAtMs: 1_000_000 };
    assert.equal(sameProcess(entry, 1_000_020), true);
    assert.equal(sameProcess(entry, 999_000), true);
    assert.equal(sameProcess(entry, 1_010_000), false);
    assert.equal(sameProcess(entry, Number.NaN), false);
  });

  test("a torn last line and a log without a header are ignored", () => {
    assert.deepEqual([...liveEntries("B b\nL x 12 5\nL y 1", "b").keys()], ["x"]);
    assert.equal(liveEntries("L x 12 5\n", "b").size, 0);
  });
});

describe("the log file", () => {
  test("stays SMALL: once mostly ended lines, it is rewritten with the running containers", () => {
    const path = join(sandboxes.dir, "compact", "containers.log");
    const log = new RuntimeLog(path, "boot-x");
    log.launched({ containerId: "stays", pid: 1, startedAtMs: 1 });
    for (let i = 0; i < 6_000; i++) {
      log.launched({ containerId: `c${i}`, pid: 2, startedAtMs: 2 });
      log.ended(`c${i}`);
    }
    log.close();
    const text = readFileSync(path, "utf8");
    assert.ok(text.split("\n").length < 10_002, `${text.split("\n").length} lines`);
    assert.deepEqual([...liveEntries(text, "boot-x").keys()], ["stays"]);
  });
});

describe("recovery with the runtime log", () => {
  const runtimeDir = join(sandboxes.dir, "runtime");

  test("a container no checkpoint knows is destroyed as an orphan; a known one is re-attached", async () => {
    const first = make({ isolation: "posix/cpu,posix/mem", runtimeDir });
    const launch = (id: string) =>
      first.launch(id, shell(sandboxes.sandbox(id), "sleep 1000 & echo ready; wait"));
    const known = await launch("kept");
    const orphan = await launch("orphan");
    assert.ok(known.ok && orphan.ok);
    await eventually("both to start", () =>
      ["kept", "orphan"].every((id) => readSandbox(sandboxes.sandbox(id), "stdout") === "ready\n"),
    );
    // The agent crashes: its containerizer goes without destroying anything.
    first.close();

    const second = make({ isolation: "posix/cpu,posix/mem", runtimeDir, pollIntervalMs: 20 });
    try {
      const result = await second.recover([{ containerId: "kept", pid: known.value.pid }], {
        cgroupOrphans: false,
      });
      assert.deepEqual(result.recovered, ["kept"]);
      assert.deepEqual(result.orphansRemoved, ["orphan"]);
      await eventually("the orphan's processes to go", () => !groupAlive(orphan.value.pid));
      assert.equal(groupAlive(known.value.pid), true, "the known container runs on");
      const destroyed = await second.destroy("kept", { gracePeriodMs: 0 });
      assert.ok(destroyed.ok);
      assert.equal(groupAlive(known.value.pid), false);
    } finally {
      second.close();
    }
  });

  test("an orphan whose first process has ended still has what it left running killed", async () => {
    const dir = join(sandboxes.dir, "runtime-rest");
    const first = make({ isolation: "posix/cpu,posix/mem", runtimeDir: dir });
    const sandbox = sandboxes.sandbox("rest");
    const launched = await first.launch("rest", shell(sandbox, "sleep 1000 & echo $!; sleep 1"));
    assert.ok(launched.ok);
    await eventually("the child's pid", () => /^\d+\n$/.test(readSandbox(sandbox, "stdout")));
    const child = Number(readSandbox(sandbox, "stdout").trim());
    first.close();
    await eventually("the first process to end", () => readProcStat(launched.value.pid) === null);
    assert.notEqual(readProcStat(child), null, "the child runs on in the session");

    const second = make({ isolation: "posix/cpu,posix/mem", runtimeDir: dir });
    try {
      const result = await second.recover([], { cgroupOrphans: false });
      assert.deepEqual(result.orphansRemoved, ["rest"]);
      await eventually("the child to be killed", () => {
        const stat = readProcStat(child);
        return stat === null || stat.state === "Z";
      });
    } finally {
      second.close();
    }
  });

  test("a pid the log names that is now another process is left alone", async () => {
    const dir = join(sandboxes.dir, "runtime-reused");
    mkdirSync(dir, { recursive: true });
    // This test's own pid, launched (says the log) an hour before this process started.
    writeFileSync(
      join(dir, "containers.log"),
      `B ${readBootId()}\nL reused ${process.pid} ${Date.now() - 3_600_000}\n`,
    );
    const c = make({ isolation: "posix/cpu,posix/mem", runtimeDir: dir });
    try {
      const result = await c.recover([], { cgroupOrphans: false });
      assert.deepEqual(result.orphansRemoved, []);
    } finally {
      c.close();
    }
  });
});
