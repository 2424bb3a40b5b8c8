// Sandbox garbage collection (src/agent/sandbox-gc.ts): how long a finished sandbox waits as
// the disk fills (Mesos's gc_delay × max(0, 1 − headroom − usage)), which scheduled sandboxes
// are due, and what a removal takes with it: the run directory, its `latest` link, and the
// parents it leaves empty, never a sibling run.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { pino } from "pino";
import { duePaths, gcAgeMs, SandboxGc } from "../../src/agent/sandbox-gc.ts";

const WEEK = 7 * 24 * 3_600_000;

describe("gc age", () => {
  it("is gc_delay × (1 − headroom − usage), never negative and never over gc_delay", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * WEEK }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (delay, headroom, usage) => {
          const age = gcAgeMs(delay, headroom, usage);
          assert.ok(age >= 0 && age <= delay, `age ${age} outside [0, ${delay}]`);
          if (usage >= 1 - headroom) assert.equal(age, 0);
          else assert.ok(Math.abs(age - delay * (1 - headroom - usage)) < 1e-6 * (delay + 1));
        },
      ),
    );
  });

  it("shrinks as the disk fills", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * WEEK }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (delay, headroom, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          assert.ok(gcAgeMs(delay, headroom, high) <= gcAgeMs(delay, headroom, low));
        },
      ),
    );
  });

  it("Mesos's example: a week's delay, 10% headroom, 60% used -> 0.3 of a week", () => {
    assert.ok(Math.abs(gcAgeMs(WEEK, 0.1, 0.6) - 0.3 * WEEK) < 1);
  });
});

describe("due sandboxes", () => {
  it("are exactly those scheduled at least the age ago, oldest first", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 1000 })),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (entries, now, age) => {
          const scheduled = new Map(Object.entries(entries));
          const due = duePaths(scheduled, now, age);
          const expected = [...scheduled].filter(([, at]) => now - at >= age).map(([p]) => p);
          assert.deepEqual([...due].sort(), expected.sort());
          for (let i = 1; i < due.length; i++) {
            assert.ok((scheduled.get(due[i - 1] ?? "") ?? 0) <= (scheduled.get(due[i] ?? "") ?? 0));
          }
        },
      ),
    );
  });
});

describe("removing sandboxes from a work dir", () => {
  let workDir: string;
  const runsOf = (ex: string) =>
    join(workDir, "slaves", "A", "frameworks", "F", "executors", ex, "runs");

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "tessera-gc-"));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  const gc = (gcDelayMs: number) =>
    new SandboxGc({
      workDir,
      gcDelayMs,
      diskHeadroom: 0,
      diskWatchIntervalMs: 60_000,
      logger: pino({ level: "silent" }),
    });

  async function makeRun(ex: string, run: string): Promise<string> {
    const dir = join(runsOf(ex), run);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "stdout"), "output\n");
    return dir;
  }

  it("a due run goes; its sibling run and the latest link to the sibling stay", async () => {
    const old = await makeRun("e1", "c1");
    const current = await makeRun("e1", "c2");
    await symlink("c2", join(runsOf("e1"), "latest"));
    const collector = gc(1_000);
    collector.schedule(old, 0);
    collector.schedule(current, 10_000);
    // At 1,000 ms the first has waited gc_delay (the most it can wait); the second not at all.
    await collector.prune(1_000);
    await assert.rejects(stat(old), { code: "ENOENT" });
    assert.deepEqual((await readdir(runsOf("e1"))).sort(), ["c2", "latest"]);
    assert.deepEqual([...collector.scheduled().keys()], [current]);
  });

  it("the last run goes with its latest link and the parents it leaves empty", async () => {
    const keep = await makeRun("e2", "c3");
    const collector = gc(1_000);
    collector.schedule(join(runsOf("e1"), "c2"), 0);
    await collector.prune(1_000);
    const executors = join(workDir, "slaves", "A", "frameworks", "F", "executors");
    assert.deepEqual(await readdir(executors), ["e2"], "executor e1 is gone, e2 stays");
    assert.ok((await stat(keep)).isDirectory());
    collector.schedule(keep, 0);
    await collector.prune(1_000);
    assert.deepEqual(await readdir(join(workDir, "slaves", "A", "frameworks")), []);
  });

  it("sandboxes left by an earlier run are scheduled from their last change; live ones are not", async () => {
    const ended = await makeRun("e3", "gone");
    const running = await makeRun("e3", "live");
    await symlink("live", join(runsOf("e3"), "latest"));
    await utimes(ended, new Date(5_000), new Date(5_000));
    const collector = gc(WEEK);
    await collector.scheduleLeftovers((id) => id === "live");
    assert.deepEqual([...collector.scheduled()], [[ended, 5_000]]);
    await collector.prune(5_000 + WEEK);
    await assert.rejects(stat(ended), { code: "ENOENT" });
    assert.ok((await stat(running)).isDirectory());
  });

  it("checkpoint trash directories left by a crash are removed; files and live entries stay", async () => {
    const executors = join(workDir, "meta", "slaves", "A", "frameworks", "F", "executors");
    const trash = join(executors, "e9.tmp-0123456789ab");
    const live = join(executors, "e8", "runs", "c8");
    await mkdir(join(trash, "runs", "c9"), { recursive: true });
    await mkdir(live, { recursive: true });
    await writeFile(join(live, "pid.tmp-aaaaaaaaaaaa"), "1");
    const removed = await gc(WEEK).removeCheckpointTrash();
    assert.equal(removed, 1);
    assert.deepEqual(await readdir(executors), ["e8"]);
    assert.deepEqual(await readdir(live), ["pid.tmp-aaaaaaaaaaaa"], "a write under way is kept");
  });
});
