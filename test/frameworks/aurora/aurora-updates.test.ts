// The Aurora API's update calls drive the services engine's update control (issue #19): the
// job file's update_config as upgradeStrategy, updateOnlyTheseInstances as a canary range, and
// pause / resume / abort / rollback with Aurora's update states in getJobUpdateDetails.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { instanceRangeOf } from "../../../src/frameworks/aurora/aurora-api.ts";
import { parseJobFile } from "../../../src/frameworks/aurora/job-file.ts";
import { upgradeStrategyOf } from "../../../src/frameworks/aurora/job-translate.ts";
import type { ThermosTask } from "../../../src/frameworks/aurora/thermos/task-config.ts";
import type { TaskInfoInput } from "../../../src/sdk/offer-matching.ts";
import { auroraHarness } from "./aurora-harness.ts";

const KEY = "local/www-data/prod/upd";
const APP = "/aurora/www-data/prod/upd" as never;

const job = (cmd: string, update: string) => `
role: www-data
environment: prod
name: upd
service: true
instances: 4
update_config: ${update}
task:
  processes: [{ name: web, cmdline: "${cmd}" }]
  resources: { cpu: 0.1, ram: 16MB }
`;

const taskOf = (t: TaskInfoInput) =>
  JSON.parse(Buffer.from(String(t.data), "base64").toString("utf8")) as ThermosTask;
const cmdlineOf = (t: TaskInfoInput) => taskOf(t).processes[0]?.cmdline;
const instanceOf = (t: TaskInfoInput) => taskOf(t).instance;

function strategyOf(update: string): Record<string, unknown> {
  const parsed = parseJobFile(job("x", update), { cluster: "local" });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  const only = parsed.jobs[0];
  assert.ok(only !== undefined);
  return upgradeStrategyOf(only.job.update_config, only.job.instances);
}

describe("Aurora update_config as the services engine's upgradeStrategy", () => {
  test("every field has its engine name", () => {
    const s = strategyOf(
      "{ batch_size: 2, watch_secs: 5, max_per_shard_failures: 1, max_total_failures: 2, rollback_on_failure: false, wait_for_batch_completion: true, pulse_interval_secs: 60, sla_aware: true }",
    );
    assert.deepEqual(s, {
      minimumHealthCapacity: 0.5,
      maximumOverCapacity: 0,
      batchSize: 2,
      watchSeconds: 5,
      maxPerInstanceFailures: 1,
      maxTotalFailures: 2,
      rollbackOnFailure: false,
      waitForBatchCompletion: true,
      pulseIntervalSeconds: 60,
      slaAware: true,
    });
  });

  test("update strategies: queue, batch with autopause, variable batch", () => {
    const queue = strategyOf("{ update_strategy: { queue: { batch_size: 3 } } }");
    assert.deepEqual([queue.batchSize, queue.waitForBatchCompletion], [3, false]);
    const batch = strategyOf(
      "{ update_strategy: { batch: { batch_size: 2, autopause_after_batch: true } } }",
    );
    assert.deepEqual(
      [batch.batchSize, batch.waitForBatchCompletion, batch.autopauseAfterBatch],
      [2, true, true],
    );
    const variable = strategyOf("{ update_strategy: { variable_batch: { batch_sizes: [1, 3] } } }");
    assert.deepEqual(variable.batchSizes, [1, 3]);
    assert.equal(variable.autopauseAfterBatch, undefined);
    const bad = parseJobFile(job("x", "{ update_strategy: { fastest: {} } }"), {
      cluster: "local",
    });
    assert.equal(bad.ok, false);
  });

  test("updateOnlyTheseInstances: ranges joined into one, or refused", () => {
    const r = (ranges: unknown) => instanceRangeOf({ updateOnlyTheseInstances: ranges });
    assert.equal(r(undefined), undefined);
    assert.deepEqual(r([{ first: 0, last: 1 }]), [0, 1]);
    assert.deepEqual(
      r([
        { first: 2, last: 3 },
        { first: 0, last: 1 },
      ]),
      [0, 3],
    );
    assert.deepEqual(
      instanceRangeOf({ settings: { updateOnlyTheseInstances: [{ first: 1, last: 1 }] } }),
      [1, 1],
    );
    assert.match(
      String(
        r([
          { first: 0, last: 0 },
          { first: 2, last: 2 },
        ]),
      ),
      /one contiguous/,
    );
    assert.match(String(r([{ first: 2, last: 1 }])), /empty/);
    assert.match(String(r("0-1")), /expected ranges/);
  });
});

describe("Aurora update calls on the services engine", () => {
  const { state, okCall, refused, offerAndRun } = auroraHarness();
  const details = async (id?: string) => {
    const body = id === undefined ? { job: KEY } : { job: KEY, key: { job: KEY, id } };
    const r = await okCall("getJobUpdateDetails", body);
    return r.updateDetailsList as {
      update: { summary: { key: { id: string }; state: { status: string } } };
    }[];
  };
  const stateOf = async (id?: string) => (await details(id))[0]?.update.summary.state.status;
  /** The instance numbers getTasksStatus shows, ascending. */
  const numbers = async () => {
    const r = await okCall("getTasksStatus", { job: KEY });
    return (r.tasks as { assignedTask: { instanceId: number } }[])
      .map((t) => t.assignedTask.instanceId)
      .sort((a, b) => a - b);
  };
  /** How many of the job's instances run the current config, of how many. */
  const onCurrent = () => {
    const version = state.app(APP)?.lastConfigChangeAt;
    const running = state.instancesOf(APP).filter((i) => i.goal === "Running");
    return [running.filter((i) => i.configVersion === version).length, running.length];
  };

  test("a canary (updateOnlyTheseInstances) replaces only that instance; the job keeps its size", async () => {
    await okCall("createJob", { config: job("./v1", "{ batch_size: 2, watch_secs: 0 }") });
    assert.equal(offerAndRun().length, 4);
    const [code, message] = await refused("startJobUpdate", {
      config: job("./v2", "{ batch_size: 2, watch_secs: 0 }"),
      updateOnlyTheseInstances: [{ first: 4, last: 4 }],
    });
    assert.equal(code, "INVALID_REQUEST");
    assert.match(message, /no instance in 4-4 \(it has 0,1,2,3\)/);
    const started = await okCall("startJobUpdate", {
      config: job("./v2", "{ batch_size: 2, watch_secs: 0 }").replace(
        "instances: 4",
        "instances: 6",
      ),
      updateOnlyTheseInstances: [{ first: 0, last: 0 }],
    });
    const id = (started.key as { id: string }).id;
    assert.equal(state.app(APP)?.app.upgradeStrategy.instanceRange?.join("-"), "0-0");
    const launched = offerAndRun();
    assert.deepEqual(launched.map(cmdlineOf), ["./v2"], "one new instance, of the new config");
    assert.equal(instanceOf(launched[0] as TaskInfoInput), 0, "the new one is instance 0 again");
    assert.deepEqual(await numbers(), [0, 1, 2, 3]);
    assert.equal(state.app(APP)?.app.instances, 4, "a canary does not change the job's size");
    assert.equal(await stateOf(id), "ROLLED_FORWARD");
  });

  test("autopause: ROLL_FORWARD_PAUSED after a batch; a pulse is refused (no pulse interval); resume finishes it", async () => {
    const update =
      "{ watch_secs: 0, update_strategy: { batch: { batch_size: 2, autopause_after_batch: true } } }";
    const started = await okCall("startJobUpdate", { config: job("./v3", update) });
    const id = (started.key as { id: string }).id;
    const first = offerAndRun();
    assert.deepEqual(first.map(instanceOf).sort(), [0, 1], "the first batch: instances 0 and 1");
    assert.equal(await stateOf(), "ROLL_FORWARD_PAUSED");
    assert.deepEqual(await refused("pulseJobUpdate", { job: KEY }), [
      "INVALID_REQUEST",
      "the update takes no pulses",
    ]);
    await okCall("resumeJobUpdate", { job: KEY });
    assert.equal(await stateOf(), "ROLLING_FORWARD");
    const second = offerAndRun();
    assert.deepEqual(second.map(instanceOf).sort(), [2, 3], "the second batch: 2 and 3");
    assert.equal(await stateOf(id), "ROLLED_FORWARD");
    assert.deepEqual(onCurrent(), [4, 4]);
  });

  test("pause then abort: ABORTED, the instances left as they are", async () => {
    const started = await okCall("startJobUpdate", {
      config: job("./v4", "{ batch_size: 1, watch_secs: 0, wait_for_batch_completion: true }"),
    });
    const id = (started.key as { id: string }).id;
    await okCall("pauseJobUpdate", { job: KEY });
    assert.equal(await stateOf(), "ROLL_FORWARD_PAUSED");
    assert.ok(offerAndRun().length <= 1, "at most the instance in flight is put in place");
    assert.equal(offerAndRun().length, 0, "nothing new starts while paused");
    assert.ok((onCurrent()[0] as number) <= 1);
    await okCall("abortJobUpdate", { job: KEY });
    assert.equal(await stateOf(id), "ABORTED");
    assert.equal(state.deploymentsOf(APP).length, 0);
  });

  test("rollback mid-update: ROLLING_BACK, then ROLLED_BACK with the old config everywhere", async () => {
    const update =
      "{ watch_secs: 0, update_strategy: { batch: { batch_size: 2, autopause_after_batch: true } } }";
    const started = await okCall("startJobUpdate", { config: job("./v5", update) });
    const id = (started.key as { id: string }).id;
    const v5 = state.app(APP)?.lastConfigChangeAt;
    offerAndRun();
    assert.equal(await stateOf(), "ROLL_FORWARD_PAUSED");
    assert.deepEqual(onCurrent(), [2, 4], "the first batch is on ./v5");
    await okCall("rollbackJobUpdate", { job: KEY });
    offerAndRun();
    assert.equal(await stateOf(id), "ROLLED_BACK");
    const launched = offerAndRun();
    assert.equal(launched.length, 0);
    const running = state.instancesOf(APP).filter((i) => i.goal === "Running");
    assert.equal(running.length, 4);
    assert.equal(running.filter((i) => i.configVersion === v5).length, 0, "none left on ./v5");
    assert.notEqual(state.app(APP)?.lastConfigChangeAt, v5, "the job's config is the old one");
  });
});
