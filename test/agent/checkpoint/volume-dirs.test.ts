import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  applyCheckpointWrite,
  readAgentState,
} from "../../../src/agent/checkpoint/agent-state-store.ts";
import { syncVolumeDirs } from "../../../src/agent/checkpoint/volume-dirs.ts";
import { volumePath, volumePlace } from "../../../src/agent/core/volume-paths.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { tempDirsForSuite } from "../../support/cluster.ts";

const tempDir = tempDirsForSuite("tessera-volumes-");

function vol(id: string, role: string, source?: Record<string, unknown>): Resource {
  return {
    name: "disk",
    type: "SCALAR",
    scalar: { value: 10 },
    reservations: [{ type: "DYNAMIC", role }],
    disk: {
      persistence: { id },
      volume: { container_path: "data", mode: "RW" },
      ...(source === undefined ? {} : { source }),
    },
  } as Resource;
}

describe("persistent volume directories", () => {
  it("are placed as Mesos places them: ROOT under the work dir, PATH under its root, MOUNT the root itself, a nested role with ' '", () => {
    const place = (r: Resource) => volumePath("/w", volumePlace(r)!);
    assert.equal(place(vol("v1", "web")), "/w/volumes/roles/web/v1");
    assert.equal(place(vol("v1", "eng/web")), "/w/volumes/roles/eng web/v1");
    assert.equal(
      place(vol("v1", "web", { type: "PATH", path: { root: "/mnt/p" } })),
      "/mnt/p/volumes/roles/web/v1",
    );
    assert.equal(place(vol("v1", "web", { type: "MOUNT", mount: { root: "/mnt/m" } })), "/mnt/m");
  });

  it("are created with the checkpoint that names them and deleted only when a checkpoint drops them; a MOUNT root is emptied, not removed", async () => {
    const workDir = await tempDir();
    const mountRoot = join(workDir, "mnt");
    await mkdir(mountRoot);
    const a = vol("a", "web");
    const m = vol("m", "web", { type: "MOUNT", mount: { root: mountRoot } });
    await applyCheckpointWrite(workDir, { type: "resources", resources: [a, m] });
    const aDir = join(workDir, "volumes", "roles", "web", "a");
    assert.ok(existsSync(aDir));
    await writeFile(join(aDir, "file"), "kept");
    await writeFile(join(mountRoot, "file"), "x");
    // The same set again (a re-sent checkpoint) keeps the data.
    await applyCheckpointWrite(workDir, { type: "resources", resources: [a, m] });
    assert.deepEqual(await readdir(aDir), ["file"]);
    const state = await applyCheckpointWrite(workDir, { type: "resources", resources: [] });
    assert.equal(state, undefined);
    assert.equal(existsSync(aDir), false);
    assert.ok(existsSync(mountRoot));
    assert.deepEqual(await readdir(mountRoot), []);
  });

  it("reports what it removed, and leaves volumes both sets name alone", async () => {
    const workDir = await tempDir();
    const a = vol("a", "web");
    const b = vol("b", "db");
    assert.deepEqual(await syncVolumeDirs(workDir, [], [a, b]), []);
    assert.deepEqual(await syncVolumeDirs(workDir, [a, b], [b]), [
      join(workDir, "volumes", "roles", "web", "a"),
    ]);
    assert.ok(existsSync(join(workDir, "volumes", "roles", "db", "b")));
  });

  it("the checkpointed resources are read back for recovery", async () => {
    const workDir = await tempDir();
    await applyCheckpointWrite(workDir, {
      type: "agent",
      agentId: "S0",
      info: { hostname: "h", port: 5051, resources: [], attributes: [] },
    });
    assert.equal((await readAgentState(workDir))?.checkpointedResources, undefined);
    await applyCheckpointWrite(workDir, { type: "resources", resources: [vol("a", "web")] });
    const state = await readAgentState(workDir);
    assert.equal(state?.checkpointedResources?.[0]?.disk?.persistence?.id, "a");
  });
});
