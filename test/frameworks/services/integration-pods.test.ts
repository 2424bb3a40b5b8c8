// Marathon pods on a real cluster (issue #19): a pod of two containers is one task group on
// the default executor; the containers share the sandbox (one writes a file the other reads)
// and the network (one serves on localhost, the other reaches it), and /v2/pods shows them.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, eventually, type RealCluster, startRealCluster } from "./real-cluster.ts";

let cluster: RealCluster;
let base: string;

before(async () => {
  cluster = await startRealCluster();
  base = (await cluster.startServices()).url;
});
after(async () => {
  await cluster.close();
});

const SERVER = `node -e "require('http').createServer((q,r)=>r.end('pong')).listen(Number(process.env.ENDPOINT_WEB),'127.0.0.1')" & echo written > shared.txt; wait`;
const CLIENT = `until [ -f shared.txt ]; do sleep 0.1; done; cp shared.txt seen.txt; until node -e "fetch('http://127.0.0.1:'+process.env.ENDPOINT_WEB).then(r=>r.text()).then(t=>require('fs').writeFileSync('reply.txt',t))" 2>/dev/null; do sleep 0.2; done; exec sleep 1000`;

describe("pods on a real cluster", () => {
  it("a pod of two containers shares its sandbox and network; ::status shows both containers", async () => {
    const created = await api(base, "POST", "/v2/pods", {
      id: "/duo",
      scaling: { kind: "fixed", instances: 1 },
      containers: [
        {
          name: "server",
          resources: { cpus: 0.1, mem: 64 },
          exec: { command: { shell: SERVER } },
          endpoints: [{ name: "web", hostPort: 0 }],
        },
        { name: "client", resources: { cpus: 0.1, mem: 64 }, exec: { command: { shell: CLIENT } } },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get("location"), "/v2/pods/duo");
    assert.ok(created.headers.get("marathon-deployment-id"));
    assert.equal(created.body.id, "/duo");
    assert.equal(created.body.containers.length, 2);
    const status = await eventually("the pod to be stable", async () => {
      const res = await api(base, "GET", "/v2/pods/duo::status");
      return res.body.status === "STABLE" ? res.body : undefined;
    });
    const [instance] = status.instances;
    assert.equal(instance.status, "STABLE");
    assert.deepEqual(
      instance.containers.map((c: { name: string }) => c.name),
      ["server", "client"],
    );
    const port = instance.containers[0].endpoints[0].allocatedHostPort;
    assert.ok(port > 0);
    const reply = await eventually("the client's reply file in the shared sandbox", async () => {
      for (const entry of readdirSync(cluster.dir, { recursive: true, encoding: "utf8" })) {
        if (entry.endsWith("reply.txt") && entry.includes(`instance-${instance.id}`)) {
          const dir = join(cluster.dir, entry, "..");
          return { dir, reply: readFileSync(join(dir, "reply.txt"), "utf8") };
        }
      }
      return undefined;
    });
    assert.equal(reply.reply, "pong");
    // The server listens on the pod's host port; the client reached it on localhost.
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "pong");
    assert.equal(readFileSync(join(reply.dir, "seen.txt"), "utf8"), "written\n");
    const tasks = (await api(base, "GET", "/v2/apps")).body.apps;
    assert.deepEqual(tasks, [], "a pod is not listed as an app");
    const group = (await api(base, "GET", "/v2/groups")).body;
    assert.deepEqual(
      group.pods.map((p: { id: string }) => p.id),
      ["/duo"],
    );
  });

  it("killing a pod instance replaces it; deleting the pod stops every container", async () => {
    const before = (await api(base, "GET", "/v2/pods/duo::status")).body.instances[0];
    const killed = await api(base, "DELETE", `/v2/pods/duo::instances/${before.id}`);
    assert.equal(killed.status, 200);
    assert.equal(killed.body.id, before.id);
    await eventually("a new incarnation running", async () => {
      const res = await api(base, "GET", "/v2/pods/duo::status");
      const i = res.body.instances[0];
      return res.body.status === "STABLE" &&
        i.containers[0].containerId !== before.containers[0].containerId
        ? true
        : undefined;
    });
    const deleted = await api(base, "DELETE", "/v2/pods/duo");
    assert.equal(deleted.status, 202);
    assert.ok(deleted.headers.get("marathon-deployment-id"));
    await eventually("the pod gone", async () => {
      const res = await api(base, "GET", "/v2/deployments");
      return res.body.length === 0 ? true : undefined;
    });
    assert.equal((await api(base, "GET", "/v2/pods/duo")).status, 404);
  });
});
