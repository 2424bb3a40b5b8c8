// The agent's link to a real master (src/agent/master-link.ts): SUBSCRIBE opens the event
// stream, and the calls made in one turn of the event loop leave together in one POST, in
// order. A counting HTTP relay between the two sees each request the link makes. A SUBSCRIBE
// that gets no first event within its bound is dropped, so that the agent subscribes again.
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { MasterLink } from "../../src/agent/master-link.ts";
import { type RunningMaster, startMaster } from "../../src/master/server.ts";
import type { AgentEvent } from "../../src/wire/agent-channel.ts";
import { eventually } from "../support/eventually.ts";

interface Relay {
  url: string;
  /** Bodies of the agent-channel POSTs the master has answered, in order. */
  posts: string[];
  /** Resolves once `count` POSTs have been answered. */
  answered(count: number): Promise<void>;
  server: Server;
}

/** Forwards every request to `target` and remembers the agent-channel POSTs' bodies. */
async function startRelay(target: string): Promise<Relay> {
  const posts: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const out = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          if (
            req.method === "POST" &&
            req.url?.endsWith("agent_channel") &&
            answer.statusCode === 202
          ) {
            posts.push(body.toString("utf8"));
            for (const w of waiters.filter((w) => posts.length >= w.count)) w.resolve();
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on("error", () => res.destroy());
      out.end(body);
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    answered: (count) =>
      posts.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    server,
  };
}

async function statusUpdatesCounted(master: RunningMaster): Promise<number> {
  const res = await fetch(`${master.url}/metrics/snapshot`);
  const metrics = (await res.json()) as Record<string, number>;
  return metrics["master/messages_status_update"] ?? 0;
}

describe("the agent's master link", () => {
  let master: RunningMaster;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let link: MasterLink;
  const events: AgentEvent[] = [];
  let subscribed: Promise<string>;

  before(async () => {
    master = await startMaster({
      flags: { registry: "in_memory", port: "0", ip: "127.0.0.1", hostname: "localhost" },
      logger: pino({ level: "silent" }),
    });
    relay = await startRelay(master.url);
    subscribed = new Promise((resolve) => {
      link = new MasterLink(
        relay.url,
        {
          event: (event) => {
            events.push(event);
            if (event.type === "SUBSCRIBED") resolve(event.subscribed?.agent_id.value ?? "");
          },
          disconnected: () => {},
        },
        pino({ level: "silent" }),
      );
    });
    link.subscribe({
      type: "SUBSCRIBE",
      subscribe: {
        agent_info: { hostname: "link-agent", port: 5051, resources: [] },
        version: "1",
      },
    });
  });
  after(async () => {
    link.close();
    await master.close();
    relay.server.closeAllConnections();
    relay.server.close();
  });

  it("calls made in one turn leave in one POST, in their order, and all reach the master", async () => {
    const agentId = await subscribed;
    const before = relay.posts.length;
    const taskIds = ["a", "b", "c", "d", "e"];
    for (const taskId of taskIds) {
      link.send({
        type: "UPDATE",
        agent_id: { value: agentId },
        update: {
          framework_id: { value: "no-such-framework" },
          status: {
            task_id: { value: taskId },
            state: "TASK_RUNNING",
            uuid: "AAAAAAAAAAAAAAAAAAAAAA==",
          },
        },
      });
    }
    await relay.answered(before + 1);
    // The master answers a POST once it has handled its calls.
    assert.equal(await statusUpdatesCounted(master), taskIds.length);
    const posts = relay.posts.slice(before);
    assert.equal(posts.length, 1, "one POST");
    const batch = JSON.parse(posts[0] ?? "[]") as {
      update: { status: { task_id: { value: string } } };
    }[];
    assert.deepEqual(
      batch.map((call) => call.update.status.task_id.value),
      taskIds,
    );
  });

  it("a call made alone is posted as a single call, as before", async () => {
    const agentId = await subscribed;
    const before = relay.posts.length;
    link.send({ type: "HEARTBEAT", agent_id: { value: agentId } });
    await relay.answered(before + 1);
    assert.deepEqual(JSON.parse(relay.posts[before] ?? "null"), {
      type: "HEARTBEAT",
      agent_id: { value: agentId },
    });
  });
});

describe("the agent's master link and a master that never answers its subscription", () => {
  /** A "master" that takes each SUBSCRIBE and answers nothing, or opens the stream and sends no event. */
  async function silentMaster(opensStream: boolean) {
    const subscribes: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        subscribes.push(Date.now());
        if (opensStream) {
          res.writeHead(200, { "Content-Type": "application/recordio", "Mesos-Stream-Id": "s1" });
          res.flushHeaders();
        }
      });
    });
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      subscribes,
      server,
    };
  }

  for (const opensStream of [true, false]) {
    it(`a SUBSCRIBE ${opensStream ? "whose stream opens but never sends SUBSCRIBED" : "never answered"} is dropped after its bound and the agent subscribes again`, async () => {
      const master = await silentMaster(opensStream);
      let disconnects = 0;
      const call = {
        type: "SUBSCRIBE" as const,
        subscribe: {
          agent_info: { hostname: "link-agent", port: 5051, resources: [] },
          version: "1",
        },
      };
      const link: MasterLink = new MasterLink(
        master.url,
        {
          event: () => {},
          // As the agent core does, after its registration backoff.
          disconnected: () => {
            disconnects++;
            setTimeout(() => link.subscribe(call), 20);
          },
        },
        pino({ level: "silent" }),
        undefined,
        undefined,
        200,
      );
      try {
        link.subscribe(call);
        await eventually("a third SUBSCRIBE", () => master.subscribes.length >= 3, {
          timeoutMs: 10_000,
        });
        assert.ok(disconnects >= 2, `${disconnects} disconnections reported`);
        const [first, second] = master.subscribes as [number, number];
        assert.ok(second - first >= 180, "each SUBSCRIBE waits its bound before the next");
      } finally {
        link.close();
        master.server.closeAllConnections();
        master.server.close();
      }
    });
  }
});
