// The services framework's ZooKeeper store (HA clusters) against a real ZooKeeper: what one run
// stores, the next run reads back — framework id, apps with their pruned history, deployments,
// instances, last task failures (removed with their app) — and through the REST API an app created before a restart is there after it.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { AppVersion } from "../../../src/frameworks/services/app-json.ts";
import {
  type DeploymentRecord,
  MAX_APP_VERSIONS,
} from "../../../src/frameworks/services/app-store.ts";
import { parseAppDefinition } from "../../../src/frameworks/services/app-validation.ts";
import type { Instance } from "../../../src/frameworks/services/instance.ts";
import type { AppId } from "../../../src/frameworks/services/path-id.ts";
import { startServices } from "../../../src/frameworks/services/start.ts";
import { ZkAppStore } from "../../../src/frameworks/services/zk-app-store.ts";
import { parseZkUrl } from "../../../src/zk/url.ts";
import { ZooKeeperCluster, zooKeeperSkip } from "../../support/zookeeper.ts";

const skip = zooKeeperSkip();
let clusterStarting: Promise<ZooKeeperCluster> | undefined;
let pathCounter = 0;

after(async () => {
  if (clusterStarting !== undefined) await (await clusterStarting).stop();
});

async function freshUrl(): Promise<string> {
  clusterStarting ??= ZooKeeperCluster.start(1);
  const zk = await clusterStarting;
  pathCounter++;
  return zk.url(`/tessera-test/services-${pathCounter}`);
}

async function openStore(url: string): Promise<ZkAppStore> {
  const parsed = parseZkUrl(url);
  assert.ok(parsed.ok);
  return ZkAppStore.open(parsed.url);
}

function appVersion(id: string, n: number): AppVersion {
  const parsed = parseAppDefinition({ id, cmd: `sleep ${n}`, cpus: 0.1, mem: 16 });
  assert.ok(parsed.ok);
  const version = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return { app: parsed.app, version, lastScalingAt: version, lastConfigChangeAt: version };
}

describe("services state in ZooKeeper", { skip: skip.skip }, () => {
  test("a second store on the same path reads back the framework id, apps, pruned versions, deployments, instances and task failures", async () => {
    const url = await freshUrl();
    const first = await openStore(url);
    first.setFrameworkId("fw-1");
    for (let n = 0; n < MAX_APP_VERSIONS + 2; n++) first.putApp(appVersion("/team/web", n));
    first.putApp(appVersion("/other", 7));
    first.deleteApp("/other" as AppId);
    const deployment = { id: "d-1", version: "v", currentStep: 0 } as unknown as DeploymentRecord;
    first.putDeployment(deployment);
    first.putInstance({ instanceId: "team_web.i1" } as unknown as Instance);
    first.putInstance({ instanceId: "team_web.i2" } as unknown as Instance);
    first.deleteInstance("team_web.i2");
    const failure = (appId: string) => ({
      appId: appId as AppId,
      taskId: `${appId}.t1`,
      state: "TASK_FAILED",
      message: "exited 1",
      host: "h",
      slaveId: "S1",
      version: "v",
      timestampMs: 1,
    });
    first.putTaskFailure(failure("/team/web"));
    first.putApp(appVersion("/gone", 1));
    first.putTaskFailure(failure("/gone"));
    first.deleteApp("/gone" as AppId);
    await first.durable();
    first.close();

    const second = await openStore(url);
    try {
      assert.equal(second.frameworkId(), "fw-1");
      assert.deepEqual(
        second.apps().map((v) => v.app.id),
        ["/team/web"],
      );
      assert.equal(second.apps()[0]?.app.cmd, `sleep ${MAX_APP_VERSIONS + 1}`);
      const versions = second.versions("/team/web" as AppId);
      assert.equal(versions.length, MAX_APP_VERSIONS);
      assert.equal(versions[0], appVersion("/team/web", MAX_APP_VERSIONS + 1).version);
      assert.equal(
        second.version("/team/web" as AppId, appVersion("/team/web", 0).version),
        undefined,
      );
      assert.deepEqual(
        second.deployments().map((d) => d.id),
        ["d-1"],
      );
      assert.deepEqual(
        second.instances().map((i) => i.instanceId),
        ["team_web.i1"],
      );
      assert.deepEqual(second.taskFailures(), [failure("/team/web")]);
    } finally {
      second.close();
    }
  });

  test("an app created through the REST API is answered only once stored, and is there after a restart", async () => {
    const zk = await freshUrl();
    // No master answers here: the API and the store work without one.
    const options = { master: "http://127.0.0.1:9", dataDir: "/nonexistent", httpPort: 0, zk };
    const first = await startServices(options);
    try {
      const created = await fetch(`${first.url}/v2/apps`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: "/zk/app", cmd: "sleep 100", cpus: 0.1, mem: 16, instances: 0 }),
      });
      assert.equal(created.status, 201);
      // Read by another client right after the answer: the write was in ZooKeeper already.
      const reader = await openStore(zk);
      try {
        assert.deepEqual(
          reader.apps().map((v) => v.app.id),
          ["/zk/app"],
        );
      } finally {
        reader.close();
      }
    } finally {
      await first.close();
    }
    const second = await startServices(options);
    try {
      const res = await fetch(`${second.url}/v2/apps/zk/app`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { app: { id: string; cmd: string } };
      assert.equal(body.app.id, "/zk/app");
      assert.equal(body.app.cmd, "sleep 100");
    } finally {
      await second.close();
    }
  });
});
