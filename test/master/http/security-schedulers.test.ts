// The scheduler API with authentication and ACLs (issue 18): Mesos's principal checks on
// SUBSCRIBE and later calls, a missing principal filled in from the login, register_frameworks
// and run_tasks refusals, finding 6 (subscribing with another framework's id), and what two
// principals see of each other in /master/state, GET_STATE, GET_TASKS and the operator event
// stream (only their own users' frameworks and tasks).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { subscribe } from "../../../src/http/client.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { launchCall, scalar } from "../scheduler-calls.ts";
import { type Event, EventReader, type Loose } from "./helpers.ts";
import {
  callAs,
  headersOf,
  type SecureScheduler,
  startSecureMaster,
  subscribeAs,
} from "./security-fixture.ts";
import { TestAgent } from "./test-agent.ts";

const info = (user: string, extra: Record<string, unknown> = {}) => ({
  user,
  name: `${user}-framework`,
  roles: ["web"],
  capabilities: [{ type: "MULTI_ROLE" }],
  ...extra,
});

/** Launches one task of `user` (command user `taskUser`, when given) on the next offer. */
async function launchOne(s: SecureScheduler, taskId: string, taskUser?: string): Promise<void> {
  const offers = (await s.events.next("OFFERS")).offers as Loose;
  const offer = offers.offers[0];
  const task = {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: [scalar("cpus", 0.1, "web"), scalar("mem", 32, "web")],
    command: { value: "sleep 100", ...(taskUser === undefined ? {} : { user: taskUser }) },
  };
  const answer = await s.call(launchCall([offer.id], [task as never], { refuse_seconds: 0 }));
  assert.equal(answer.status, 202, answer.body);
}

describe("scheduler principals and what each principal sees", () => {
  let master: RunningMaster;
  let agent: TestAgent;
  let alice: SecureScheduler;
  let bob: SecureScheduler;
  before(async () => {
    master = await startSecureMaster();
    agent = await TestAgent.start(master.url);
    alice = await subscribeAs(master, "alice", info("alice"));
    bob = await subscribeAs(master, "bob", info("bob"));
    await launchOne(alice, "alice-task");
    await launchOne(bob, "bob-task");
    await agent.waitFor("RUN_TASK");
  });
  after(async () => {
    alice.close();
    bob.close();
    agent.close();
    await master.close();
  });

  it("a missing FrameworkInfo.principal is filled in from the login", async () => {
    const answer = await callAs(
      master,
      "ops",
      "POST",
      "/api/v1",
      JSON.stringify({ type: "GET_FRAMEWORKS" }),
    );
    const frameworks = JSON.parse(answer.body).get_frameworks.frameworks as Loose[];
    const principals = frameworks.map((f) => [f.framework_info.name, f.framework_info.principal]);
    assert.deepEqual(principals.sort(), [
      ["alice-framework", "alice"],
      ["bob-framework", "bob"],
    ]);
  });

  it("SUBSCRIBE with another principal in FrameworkInfo is 400 with Mesos's message", async () => {
    const body = JSON.stringify({
      type: "SUBSCRIBE",
      subscribe: { framework_info: info("alice", { principal: "bob" }) },
    });
    const answer = await callAs(master, "alice", "POST", "/api/v1/scheduler", body);
    assert.equal(answer.status, 400);
    assert.equal(
      answer.body,
      "Failed to validate scheduler::Call: Authenticated principal 'alice' does not match principal 'bob' set in FrameworkInfo",
    );
  });

  it("a later call by another principal is 400 (Mesos's message) and does nothing", async () => {
    const kill = { type: "KILL", kill: { task_id: { value: "alice-task" } } };
    const answer = await alice.call(kill, "bob");
    assert.equal(answer.status, 400);
    assert.equal(
      answer.body,
      "Authenticated principal 'bob' does not match principal 'alice' set in `FrameworkInfo`",
    );
    const tasks = await callAs(master, "ops", "GET", "/master/tasks");
    const states = (JSON.parse(tasks.body).tasks as Loose[]).map((t) => [t.id, t.state]).sort();
    assert.deepEqual(states, [
      ["alice-task", "TASK_STAGING"],
      ["bob-task", "TASK_STAGING"],
    ]);
  });

  it("subscribing with a victim's framework id is refused and leaves the victim subscribed (finding 6)", async () => {
    const url = `${master.url}/api/v1/scheduler`;
    const call = {
      type: "SUBSCRIBE",
      framework_id: { value: alice.frameworkId },
      subscribe: { framework_info: { ...info("alice"), id: { value: alice.frameworkId } } },
    };
    const sub = await subscribe(url, JSON.stringify(call), { headers: headersOf("bob") });
    assert.ok(sub.ok);
    const events = new EventReader(sub.events);
    const error = await events.next("ERROR");
    assert.match(
      String((error.error as Loose).message),
      /Changing framework's principal is not allowed/,
    );
    // The victim's stream is still its subscription: its calls are accepted.
    const answer = await alice.call({ type: "REVIVE" });
    assert.equal(answer.status, 202, answer.body);
    sub.close();
  });

  it("a principal the ACLs do not allow to register gets one ERROR event and the stream ends", async () => {
    const body = JSON.stringify({
      type: "SUBSCRIBE",
      subscribe: { framework_info: info("mallory") },
    });
    const sub = await subscribe(`${master.url}/api/v1/scheduler`, body, {
      headers: headersOf("mallory"),
    });
    assert.ok(sub.ok);
    const events = new EventReader(sub.events);
    const error = await events.next("ERROR");
    assert.match(String((error.error as Loose).message), /^Not authorized to register framework/);
    assert.equal(await events.nextAny(), undefined);
  });

  it("a task whose user the framework may not run as ends TASK_ERROR REASON_TASK_UNAUTHORIZED (run_tasks)", async () => {
    await launchOne(alice, "as-root", "root");
    const update = await alice.events.next("UPDATE");
    const status = (update.update as Loose).status;
    assert.equal(status.task_id.value, "as-root");
    assert.equal(status.state, "TASK_ERROR");
    assert.equal(status.reason, "REASON_TASK_UNAUTHORIZED");
    assert.equal(status.source, "SOURCE_MASTER");
  });

  const frameworkNames = (state: Loose) => (state.frameworks as Loose[]).map((f) => f.name).sort();
  const legacyTaskIds = (state: Loose) =>
    (state.frameworks as Loose[]).flatMap((f) => (f.tasks as Loose[]).map((t) => t.id)).sort();

  it("/master/state shows each principal only its own users' frameworks and tasks", async () => {
    for (const [caller, names, tasks] of [
      ["alice", ["alice-framework"], ["alice-task"]],
      ["bob", ["bob-framework"], ["bob-task"]],
      ["ops", ["alice-framework", "bob-framework"], ["alice-task", "bob-task"]],
      ["mallory", [], []],
    ] as const) {
      const state = JSON.parse((await callAs(master, caller, "GET", "/master/state")).body);
      assert.deepEqual(frameworkNames(state), names, caller);
      assert.deepEqual(legacyTaskIds(state), tasks, caller);
    }
    // Without view_flags the flags are dropped from /state.
    const mallory = JSON.parse((await callAs(master, "mallory", "GET", "/master/state")).body);
    assert.equal(mallory.flags, undefined);
    const ops = JSON.parse((await callAs(master, "ops", "GET", "/master/state")).body);
    assert.equal(typeof ops.flags, "object");
  });

  it("GET_STATE and GET_TASKS show each principal only its own tasks", async () => {
    for (const [caller, tasks] of [
      ["alice", ["alice-task"]],
      ["bob", ["bob-task"]],
      ["ops", ["alice-task", "bob-task"]],
    ] as const) {
      const state = JSON.parse(
        (await callAs(master, caller, "POST", "/api/v1", JSON.stringify({ type: "GET_STATE" })))
          .body,
      );
      const ids = (state.get_state.get_tasks.tasks as Loose[]).map((t) => t.task_id.value).sort();
      assert.deepEqual(ids, tasks, `GET_STATE as ${caller}`);
      const names = (state.get_state.get_frameworks.frameworks as Loose[]).map(
        (f) => f.framework_info.name,
      );
      assert.equal(names.length, tasks.length, `GET_STATE frameworks as ${caller}`);
      const got = JSON.parse(
        (await callAs(master, caller, "POST", "/api/v1", JSON.stringify({ type: "GET_TASKS" })))
          .body,
      );
      const listed = (got.get_tasks.tasks as Loose[]).map((t) => t.task_id.value).sort();
      assert.deepEqual(listed, tasks, `GET_TASKS as ${caller}`);
    }
  });

  it("the operator event stream shows each subscriber only its own frameworks' events", async () => {
    const open = async (caller: "alice" | "ops") => {
      const sub = await subscribe(`${master.url}/api/v1`, JSON.stringify({ type: "SUBSCRIBE" }), {
        headers: headersOf(caller),
      });
      assert.ok(sub.ok);
      return { sub, events: new EventReader(sub.events) };
    };
    const asAlice = await open("alice");
    const asOps = await open("ops");
    try {
      const taskIds = (e: Event) =>
        ((e.subscribed as Loose).get_state.get_tasks.tasks as Loose[])
          .map((t) => t.task_id.value)
          .sort();
      assert.deepEqual(taskIds(await asAlice.events.next("SUBSCRIBED")), ["alice-task"]);
      assert.deepEqual(taskIds(await asOps.events.next("SUBSCRIBED")), ["alice-task", "bob-task"]);
      await launchOne(bob, "bob-second");
      await launchOne(alice, "alice-second");
      const added = async (events: EventReader) => {
        const e = await events.next("TASK_ADDED");
        return (e.task_added as Loose).task.task_id.value as string;
      };
      // Alice's next TASK_ADDED is her own task: bob's, added first, was not sent to her.
      assert.equal(await added(asAlice.events), "alice-second");
      assert.deepEqual([await added(asOps.events), await added(asOps.events)].sort(), [
        "alice-second",
        "bob-second",
      ]);
    } finally {
      asAlice.sub.close();
      asOps.sub.close();
    }
  });
});

describe("a framework's reservation the ACLs refuse", () => {
  let master: RunningMaster;
  let agent: TestAgent;
  let scheduler: SecureScheduler;
  before(async () => {
    master = await startSecureMaster();
    agent = await TestAgent.start(master.url);
    // alice may register and run tasks, but no ACL lets her reserve.
    scheduler = await subscribeAs(master, "alice", info("alice"));
  });
  after(async () => {
    scheduler.close();
    agent.close();
    await master.close();
  });

  it("a reservation the ACLs refuse the framework is dropped with Mesos's message (reserve_resources)", async () => {
    const offers = (await scheduler.events.next("OFFERS")).offers as Loose;
    const offer = offers.offers[0];
    const reserve = {
      type: "RESERVE",
      id: { value: "reserve-1" },
      reserve: {
        resources: [
          {
            ...scalar("cpus", 0.1, "web"),
            reservations: [{ type: "DYNAMIC", role: "web", principal: "alice" }],
          },
        ],
      },
    };
    const answer = await scheduler.call({
      type: "ACCEPT",
      accept: { offer_ids: [offer.id], operations: [reserve], filters: { refuse_seconds: 0 } },
    });
    assert.equal(answer.status, 202, answer.body);
    const update = await scheduler.events.next("UPDATE_OPERATION_STATUS");
    const status = (update.update_operation_status as Loose).status;
    assert.equal(status.state, "OPERATION_ERROR");
    assert.equal(status.message, "Not authorized to reserve resources as 'alice'");
    const roles = JSON.parse((await callAs(master, "ops", "GET", "/master/roles")).body);
    const web = (roles.roles as Loose[]).find((r) => r.name === "web");
    assert.deepEqual(web?.reserved_resources ?? {}, {});
  });
});
