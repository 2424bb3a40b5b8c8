// The Thermos-like executor's pure core on a virtual clock: order() constraints, restarts up to
// max_failures, min_duration, daemon / ephemeral / final processes, max_concurrency, and the
// finishing task's SIGTERM, final processes and SIGKILL at finalization_wait.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CoreHarness, proc } from "./core-harness.ts";

const task = (extra: Record<string, unknown>) => ({ name: "t", ...extra });

describe("ThermosCore", () => {
  it("order(a, b): b starts only after a succeeded; the task finishes after both", () => {
    const h = new CoreHarness(
      task({ processes: [proc("b"), proc("a")], constraints: [{ order: ["a", "b"] }] }),
    );
    h.start();
    assert.deepEqual(h.running(), ["a"]);
    h.advance(1_000);
    h.exit("a", 0);
    assert.deepEqual(h.running(), ["b"]);
    assert.equal(h.core.snapshot().a?.state, "SUCCESS");
    h.exit("b", 0);
    assert.deepEqual(h.finished(), {
      kind: "finished",
      outcome: "TASK_FINISHED",
      message: "All processes finished successfully",
    });
  });

  it("a failing process is restarted until max_failures, then the task fails naming it", () => {
    const h = new CoreHarness(
      task({ processes: [proc("flaky", { max_failures: 3 }), proc("steady")] }),
    );
    h.start();
    for (let i = 0; i < 3; i++) h.exit("flaky", 1);
    const status = h.core.snapshot().flaky;
    assert.equal(status?.state, "FAILED");
    assert.equal(status?.runs, 3);
    assert.equal(status?.failures, 3);
    // The others are told to stop; the task ends once they did.
    assert.ok(
      h.outputs.some(
        (o) => o.kind === "signal" && o.process === "steady" && o.signal === "SIGTERM",
      ),
    );
    assert.equal(h.finished(), undefined);
    h.obeySignals();
    const done = h.finished();
    assert.equal(done?.outcome, "TASK_FAILED");
    assert.match(done?.message ?? "", /'flaky' failed after 3 failure\(s\) \(max_failures 3\)/);
    assert.equal(h.core.snapshot().steady?.state, "KILLED");
  });

  it("max_failures 0 restarts without limit", () => {
    const h = new CoreHarness(task({ processes: [proc("forever", { max_failures: 0 })] }));
    h.start();
    for (let i = 0; i < 20; i++) h.exit("forever", 2);
    assert.equal(h.core.snapshot().forever?.runs, 21);
    assert.equal(h.finished(), undefined);
  });

  it("a run shorter than min_duration waits until min_duration after its start", () => {
    const h = new CoreHarness(
      task({ processes: [proc("p", { max_failures: 5, min_duration: 5 })] }),
    );
    h.start();
    const firstAt = h.nowMs;
    h.advance(1_000);
    h.exit("p", 1);
    assert.deepEqual(h.running(), []);
    assert.equal(h.core.snapshot().p?.state, "WAITING");
    h.advance(3_999);
    assert.deepEqual(h.running(), []);
    h.advance(1);
    assert.deepEqual(h.running(), ["p"]);
    assert.equal(h.spawns()[1]?.atMs, firstAt + 5_000);
  });

  it("a daemon is restarted after success; an ephemeral one is stopped when the task finishes", () => {
    const h = new CoreHarness(
      task({ processes: [proc("sidecar", { daemon: true, ephemeral: true }), proc("main")] }),
    );
    h.start();
    h.exit("sidecar", 0);
    assert.equal(h.core.snapshot().sidecar?.runs, 2);
    assert.deepEqual(h.running().sort(), ["main", "sidecar"]);
    h.exit("main", 0);
    assert.ok(h.outputs.some((o) => o.kind === "signal" && o.process === "sidecar"));
    h.obeySignals();
    assert.equal(h.finished()?.outcome, "TASK_FINISHED");
  });

  it("final processes run after the regular ones, in their own order", () => {
    const h = new CoreHarness(
      task({
        processes: [
          proc("work"),
          proc("cleanup", { final: true }),
          proc("report", { final: true }),
        ],
        constraints: [{ order: ["cleanup", "report"] }],
      }),
    );
    h.start();
    assert.deepEqual(h.running(), ["work"]);
    h.exit("work", 0);
    assert.deepEqual(h.running(), ["cleanup"]);
    h.exit("cleanup", 0);
    assert.deepEqual(h.running(), ["report"]);
    h.exit("report", 0);
    assert.equal(h.finished()?.outcome, "TASK_FINISHED");
  });

  it("a kill: SIGTERM to the regular processes, then the final ones, SIGKILL at the deadline", () => {
    const h = new CoreHarness(
      task({ processes: [proc("server"), proc("drain", { final: true })] }),
    );
    h.start();
    h.feed({ kind: "kill", outcome: "TASK_KILLED", message: "Killed", graceMs: 10_000 });
    assert.ok(
      h.outputs.some(
        (o) => o.kind === "signal" && o.process === "server" && o.signal === "SIGTERM",
      ),
    );
    assert.deepEqual(h.running(), ["server"]);
    h.obeySignals();
    assert.deepEqual(h.running(), ["drain"]);
    // The final process overstays: SIGKILL at the deadline, and the task is KILLED.
    h.advance(10_000);
    assert.ok(
      h.outputs.some((o) => o.kind === "signal" && o.process === "drain" && o.signal === "SIGKILL"),
    );
    h.obeySignals();
    assert.deepEqual(h.finished(), { kind: "finished", outcome: "TASK_KILLED", message: "Killed" });
  });

  it("a process that ignores SIGTERM gets SIGKILL at the deadline; termAfterMs holds SIGTERM back", () => {
    const h = new CoreHarness(
      task({ processes: [proc("stubborn"), proc("quick", { daemon: true })] }),
    );
    h.start();
    h.feed({
      kind: "kill",
      outcome: "TASK_KILLED",
      message: "Killed",
      graceMs: 20_000,
      termAfterMs: 5_000,
    });
    assert.ok(!h.outputs.some((o) => o.kind === "signal"));
    // Exiting on its own now (a /quitquitquit) is not restarted, daemon or not.
    h.exit("quick", 0);
    assert.deepEqual(h.running(), ["stubborn"]);
    h.advance(5_000);
    const term = h.outputs.find((o) => o.kind === "signal");
    assert.deepEqual(term && { ...term, atMs: undefined }, {
      kind: "signal",
      process: "stubborn",
      run: 1,
      signal: "SIGTERM",
      atMs: undefined,
    });
    h.advance(15_000);
    const kill = h.outputs.find((o) => o.kind === "signal" && o.signal === "SIGKILL");
    assert.equal(kill?.atMs, 1_000_000 + 20_000);
    h.exit("stubborn", null, "SIGKILL");
    assert.equal(h.finished()?.outcome, "TASK_KILLED");
    assert.equal(h.core.snapshot().quick?.state, "SUCCESS");
  });

  it("max_concurrency bounds the processes running at once", () => {
    const h = new CoreHarness(
      task({ processes: [proc("a"), proc("b"), proc("c")], max_concurrency: 2 }),
    );
    h.start();
    assert.deepEqual(h.running(), ["a", "b"]);
    h.exit("a", 0);
    assert.deepEqual(h.running().sort(), ["b", "c"]);
  });

  it("a process ordered after a failed ephemeral one can never run: the task fails naming it", () => {
    const h = new CoreHarness(
      task({
        processes: [proc("setup", { ephemeral: true, max_failures: 1 }), proc("main")],
        constraints: [{ order: ["setup", "main"] }],
      }),
    );
    h.start();
    h.exit("setup", 1);
    const done = h.finished();
    assert.equal(done?.outcome, "TASK_FAILED");
    assert.match(done?.message ?? "", /'main' could not start/);
    assert.equal(h.core.snapshot().main?.runs, 0);
  });

  it("a failed health check's kill ends the task FAILED with its message", () => {
    const h = new CoreHarness(task({ processes: [proc("web")] }));
    h.start();
    h.feed({
      kind: "kill",
      outcome: "TASK_FAILED",
      message: "Failed health check!",
      graceMs: 1_000,
    });
    h.obeySignals();
    assert.deepEqual(h.finished(), {
      kind: "finished",
      outcome: "TASK_FAILED",
      message: "Failed health check!",
    });
  });

  it("a process that cannot be forked is LOST and counts as a failure", () => {
    const h = new CoreHarness(task({ processes: [proc("p", { max_failures: 2 })] }));
    h.start();
    for (let i = 0; i < 2; i++) {
      const run = h.core.snapshot().p?.runs ?? 0;
      h.live.delete(`p/${run}`);
      h.feed({ kind: "spawn_failed", process: "p", run, message: "no bash" });
    }
    assert.equal(h.core.snapshot().p?.state, "LOST");
    assert.equal(h.finished()?.outcome, "TASK_FAILED");
    assert.match(
      h.finished()?.message ?? "",
      /'p' failed after 2 failure\(s\) \(max_failures 2\): no bash$/,
    );
  });
});
