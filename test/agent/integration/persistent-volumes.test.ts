// Reservations and persistent volumes end to end (issue 14, containers.md §5), with a real
// master, a `tessera agent` process and real tasks: a framework reserves disk, creates a
// volume on it and writes a file from a task; after the task ends a second task, on a new
// offer, reads the file. The agent is killed with SIGKILL and started again: the reservation and
// the volume are offered again, the data still there. DESTROY deletes the data and keeps the
// reservation; the refusals answer with Mesos's messages. With filesystem/linux (root) the
// volume is bind-mounted into the sandbox; elsewhere it is a symlink.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { detectNamespaces, findTools } from "../../../src/agent/containerizer/namespaces-detect.ts";
import { mountsUnder } from "../../../src/agent/containerizer/volume-mounts.ts";
import { acceptCall } from "../../master/scheduler-calls.ts";
import { processClusterForSuite } from "./agent-process.ts";
import { commandTask, type Loose } from "./helpers.ts";

const mountNamespace = detectNamespaces(findTools()).filesystem.ok;
const ISOLATION = mountNamespace ? "posix/cpu,posix/mem,filesystem/linux" : "posix/cpu,posix/mem";

const PRINCIPAL = "ops";
const reservations = [{ type: "DYNAMIC", role: "web", principal: PRINCIPAL }];
const reserved = (name: string, value: number) => ({
  name,
  type: "SCALAR",
  scalar: { value },
  reservations,
  allocation_info: { role: "web" },
});
const volume = (id: string) => ({
  ...reserved("disk", 64),
  disk: {
    persistence: { id, principal: PRINCIPAL },
    volume: { container_path: "data", mode: "RW" },
  },
});
const taskResources = [reserved("cpus", 0.5), reserved("mem", 64), volume("vol1")];

const hasVolume = (offer: Loose, id: string) =>
  (offer.resources ?? []).some((r: Loose) => r.disk?.persistence?.id === id);

describe("reservations and persistent volumes with real processes", () => {
  const cluster = processClusterForSuite(ISOLATION, {
    frameworkInfo: {
      user: "root",
      name: "volumes",
      roles: ["web"],
      principal: PRINCIPAL,
      checkpoint: true,
      capabilities: [{ type: "MULTI_ROLE" }, { type: "RESERVATION_REFINEMENT" }],
    },
  });
  let workDir = "";

  async function offerWith(what: string, test: (o: Loose) => boolean): Promise<Loose> {
    const { framework } = cluster;
    return framework.until(what, () => {
      // An offer a test put back may have been rescinded since (the agent's restart).
      const i = framework.offers.findIndex((o) => !framework.rescinded.has(o.id.value) && test(o));
      return i < 0 ? undefined : framework.offers.splice(i, 1)[0];
    });
  }

  async function accept(offer: Loose, operations: Loose[]): Promise<void> {
    const res = await cluster.framework.scheduler.call(
      acceptCall([offer.id], operations, { refuse_seconds: 0 }),
    );
    assert.equal(res.status, 202, res.body);
  }

  async function finished(ids: string[]): Promise<void> {
    const { framework } = cluster;
    for (const id of ids) {
      const status = await framework.until(`operation ${id} finished`, () =>
        framework.operationStatuses.find((s) => s.operation_id?.value === id),
      );
      assert.equal(status.state, "OPERATION_FINISHED", JSON.stringify(status));
      const res = await framework.scheduler.call({
        type: "ACKNOWLEDGE_OPERATION_STATUS",
        acknowledge_operation_status: {
          agent_id: status.agent_id,
          uuid: status.uuid.value,
          operation_id: status.operation_id,
        },
      });
      assert.equal(res.status, 202, res.body);
    }
  }

  it("reserves, creates a volume and writes to it from a task; a second task on a new offer reads it", async () => {
    const { framework } = cluster;
    const state = (await (await fetch(`${cluster.agent?.url}/state`)).json()) as Loose;
    workDir = state.flags.work_dir;
    const offer = await framework.offer();
    await accept(offer, [
      {
        type: "RESERVE",
        id: { value: "reserve-1" },
        reserve: { resources: [reserved("cpus", 0.5), reserved("mem", 64), reserved("disk", 64)] },
      },
      { type: "CREATE", id: { value: "create-1" }, create: { volumes: [volume("vol1")] } },
      {
        type: "LAUNCH",
        launch: {
          task_infos: [
            {
              ...commandTask("writer", "echo persisted > data/file"),
              name: "writer",
              agent_id: offer.agent_id,
              resources: taskResources,
            },
          ],
        },
      },
    ]);
    await finished(["reserve-1", "create-1"]);
    await framework.state("writer", "TASK_FINISHED");
    const hostFile = join(workDir, "volumes", "roles", "web", "vol1", "file");
    assert.equal(readFileSync(hostFile, "utf8"), "persisted\n");

    const next = await offerWith("an offer with the volume", (o) => hasVolume(o, "vol1"));
    await accept(next, [
      {
        type: "LAUNCH",
        launch: {
          task_infos: [
            {
              ...commandTask("reader", 'test "$(cat data/file)" = persisted'),
              name: "reader",
              agent_id: next.agent_id,
              resources: taskResources,
            },
          ],
        },
      },
    ]);
    const ended = await framework.until("the reader's end", () =>
      framework.updates.find(
        (u) => u.taskId === "reader" && ["TASK_FINISHED", "TASK_FAILED"].includes(u.state),
      ),
    );
    assert.equal(ended.state, "TASK_FINISHED", JSON.stringify(ended.status));
    // The tasks' mounts went with their containers; the data stays.
    await framework.until("no volume mounted in a sandbox", () =>
      mountsUnder(join(workDir, "slaves")).length === 0 ? true : undefined,
    );
  });

  it("after kill -9 and a restart of the agent the reservation and the volume are offered again, the data kept", async () => {
    await cluster.kill9();
    cluster.framework.offers.length = 0;
    await cluster.start();
    const offer = await offerWith("the volume offered after the restart", (o) =>
      hasVolume(o, "vol1"),
    );
    const cpus = (offer.resources as Loose[]).find(
      (r) => r.name === "cpus" && r.reservations?.[0]?.role === "web",
    );
    assert.equal(cpus?.scalar.value, 0.5);
    assert.equal(
      readFileSync(join(workDir, "volumes", "roles", "web", "vol1", "file"), "utf8"),
      "persisted\n",
    );
    const own = (await (await fetch(`${cluster.agent?.url}/state`)).json()) as Loose;
    assert.ok(
      (own.reserved_resources_full.web as Loose[]).some((r) => r.disk?.persistence?.id === "vol1"),
      "the agent's /state shows the volume it recovered from its checkpoint",
    );
    assert.equal(own.reserved_resources.web.disk, 64);
    const slaves = (await (await fetch(`${cluster.master.url}/master/slaves`)).json()) as Loose;
    const full = slaves.slaves[0].reserved_resources_full.web as Loose[];
    assert.ok(full.some((r) => r.disk?.persistence?.id === "vol1"));
    cluster.framework.offers.unshift(offer);
  });

  it("refusals answer with Mesos's errors, and DESTROY deletes the data but keeps the reservation", async () => {
    const { framework, master } = cluster;
    const offer = await offerWith("the volume", (o) => hasVolume(o, "vol1"));
    await accept(offer, [
      { type: "CREATE", id: { value: "dup" }, create: { volumes: [volume("vol1")] } },
      { type: "DESTROY", id: { value: "destroy-1" }, destroy: { volumes: [volume("vol1")] } },
    ]);
    const dup = await framework.until("the duplicate CREATE refused", () =>
      framework.operationStatuses.find((s) => s.operation_id?.value === "dup"),
    );
    assert.equal(dup.state, "OPERATION_ERROR");
    assert.match(dup.message, /^Persistence ID 'vol1' is not unique; on agent /);
    await finished(["destroy-1"]);
    const dir = join(workDir, "volumes", "roles", "web", "vol1");
    await framework.until("the volume's directory removed", () =>
      existsSync(dir) ? undefined : true,
    );
    const after = await offerWith("the reserved disk back", (o) =>
      (o.resources as Loose[]).some(
        (r) => r.name === "disk" && r.reservations?.length === 1 && r.disk === undefined,
      ),
    );
    assert.equal(hasVolume(after, "vol1"), false);

    const agentId = after.agent_id;
    const v1 = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        type: "DESTROY_VOLUMES",
        destroy_volumes: {
          agent_id: agentId,
          volumes: [{ ...volume("vol1"), allocation_info: undefined }],
        },
      }),
    });
    assert.equal(v1.status, 400);
    assert.equal(await v1.text(), "Invalid DESTROY operation: Persistent volumes not found");
    const v0 = await fetch(`${master.url}/master/create-volumes`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ volumes: "[]" }).toString(),
    });
    assert.equal(v0.status, 400);
    assert.equal(await v0.text(), "Missing 'slaveId' query parameter in the request body");
  });
});
