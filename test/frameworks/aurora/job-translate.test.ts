import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auroraTaskState } from "../../../src/frameworks/aurora/aurora-response.ts";
import { translateConstraints } from "../../../src/frameworks/aurora/job-translate.ts";
import { instanceNumberOf } from "../../../src/frameworks/aurora/thermos-app.ts";

describe("Aurora task states from the instances", () => {
  test("each Mesos state, pending, throttled and killing", () => {
    const table: [Parameters<typeof auroraTaskState>, string][] = [
      [[undefined, "Running", false], "PENDING"],
      [[undefined, "Running", true], "THROTTLED"],
      [["TASK_STAGING", "Running", false], "ASSIGNED"],
      [["TASK_STARTING", "Running", false], "STARTING"],
      [["TASK_RUNNING", "Running", false], "RUNNING"],
      [["TASK_RUNNING", "Decommissioned", false], "KILLING"],
      [["TASK_KILLING", "Decommissioned", false], "KILLING"],
      [["TASK_FINISHED", "Running", false], "FINISHED"],
      [["TASK_FAILED", "Running", false], "FAILED"],
      [["TASK_ERROR", "Running", false], "FAILED"],
      [["TASK_KILLED", "Decommissioned", false], "KILLED"],
      [["TASK_LOST", "Running", false], "LOST"],
      [["TASK_GONE", "Running", false], "LOST"],
      [["TASK_UNREACHABLE", "Running", false], "PARTITIONED"],
    ];
    for (const [args, expected] of table)
      assert.equal(auroraTaskState(...args), expected, JSON.stringify(args));
  });
});

describe("Aurora constraints as the services engine's", () => {
  const job = (constraints: Record<string, string>) =>
    ({ role: "www-data", constraints }) as Parameters<typeof translateConstraints>[0];
  test("value, negated, limit and dedicated constraints", () => {
    const r = translateConstraints(
      job({ rack: "a,b", zone: "!z.1", host: "limit:1", dedicated: "www-data/db" }),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.value, [
      ["rack", "LIKE", "a|b"],
      ["zone", "UNLIKE", "z\\.1"],
      ["hostname", "MAX_PER", "1"],
      ["dedicated", "LIKE", "www-data/db"],
    ]);
  });
  test("a dedicated group of another role, a zero limit, an empty value are refused", () => {
    const error = (c: Record<string, string>) => {
      const r = translateConstraints(job(c));
      assert.ok(!r.ok);
      return r.error;
    };
    assert.equal(
      error({ dedicated: "other/db" }),
      "constraints.dedicated: expected 'www-data/<name>' or '*/<name>', got 'other/db'",
    );
    assert.ok(translateConstraints(job({ dedicated: "*/db" })).ok);
    assert.equal(error({ host: "limit:0" }), "constraints.host: limit must be at least 1");
    assert.equal(error({ rack: "a,,b" }), "constraints.rack: empty value in 'a,,b'");
  });
});

describe("Aurora instance numbers", () => {
  const inst = (id: string, createdAtMs: number, shard?: number, goal = "Running") => ({
    instanceId: id,
    createdAtMs,
    goal,
    ...(shard === undefined ? {} : { shard }),
  });

  test("a numbered instance keeps its number; a new one takes the lowest free", () => {
    // Instance 0 was replaced (gone, Decommissioned): its successor, newest of all, is 0 again.
    const all = [inst("a", 1, 0, "Decommissioned"), inst("b", 2, 1), inst("c", 3, 2), inst("d", 4)];
    assert.equal(instanceNumberOf(all, "b"), 1);
    assert.equal(instanceNumberOf(all, "c"), 2);
    assert.equal(instanceNumberOf(all, "d"), 0);
  });

  test("unnumbered instances take the free numbers in order of creation", () => {
    const all = [inst("x", 5), inst("y", 1, 1), inst("w", 3)];
    assert.deepEqual(
      ["w", "x", "y"].map((id) => instanceNumberOf(all, id)),
      [0, 2, 1],
    );
    // An instance not (or no longer) meant to run is numbered after the others.
    assert.equal(instanceNumberOf(all, "gone"), 3);
  });
});
