// The life of one `tessera run` (see run.ts for the command): subscribe, launch into the
// first offer that fits, report state changes, stream the sandbox, tear down, exit code.

import { userInfo } from "node:os";
import {
  type ClientStopped,
  isTerminalState,
  type Offer,
  RemainingOffer,
  SchedulerClient,
  type TaskStatus,
} from "../sdk/index.ts";
import { commandTask } from "../sdk/offer-matching.ts";
import { CliError } from "./cli-error.ts";
import {
  agentAddress,
  agentUrl,
  type ClusterState,
  clusterState,
  type WireAgent,
} from "./cluster-views.ts";
import type { MasterOptions } from "./command-kit.ts";
import { applyCliCredential } from "./credentials.ts";
import { exitCodeOf } from "./exit-status.ts";
import { MasterClient } from "./operator-client.ts";
import { fitVerdict, type RunNeeds } from "./run-fit.ts";
import { applyRunNetwork, describeMappings } from "./run-network.ts";
import type { RunSpec } from "./run-spec.ts";
import { FileTail, findSandbox, POLL_INTERVAL_MS } from "./sandbox.ts";

/** A detached task's framework waits this long for a scheduler before the master removes it. */
const DETACHED_FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** Declined offers are not re-offered to us for this long (we need one offer only). */
const DECLINE_REFUSE_SECONDS = 3600;
/** Exit code after Ctrl-C, as a shell reports SIGINT. */
const EXIT_INTERRUPTED = 130;

/** How often the state is read again while no agent is active. */
const AGENT_POLL_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Copies a task's sandbox stdout/stderr to ours while the task runs. */
class OutputStream {
  #tails: FileTail[] | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;

  constructor(
    private readonly master: MasterClient,
    private readonly spec: RunSpec,
    private readonly frameworkId: () => string | undefined,
    private readonly agents: Map<string, WireAgent>,
  ) {}

  /** Finds the sandbox (once) and starts polling it. */
  start(status: TaskStatus): void {
    this.#loop ??= this.#run(status);
  }

  async #locate(status: TaskStatus): Promise<FileTail[]> {
    const agentId = status.agent_id?.value ?? "";
    let agent = this.agents.get(agentId);
    if (agent === undefined) {
      for (const a of (await clusterState(this.master)).agents) {
        this.agents.set(a.agent_info.id?.value ?? "", a);
      }
      agent = this.agents.get(agentId);
    }
    if (agent === undefined)
      throw new CliError("UNREACHABLE", `agent ${agentId} is not registered`);
    const url = agentUrl(agent, this.master.baseUrl);
    const sandbox = await findSandbox({
      agentUrl: url,
      frameworkId: this.frameworkId() ?? "",
      taskId: this.spec.taskId,
      ...(status.executor_id ? { executorId: status.executor_id.value } : {}),
    });
    return [
      new FileTail(url, sandbox, "stdout", (chunk) => process.stdout.write(chunk)),
      new FileTail(url, sandbox, "stderr", (chunk) => process.stderr.write(chunk)),
    ];
  }

  async #run(status: TaskStatus): Promise<void> {
    try {
      this.#tails = await this.#locate(status);
      while (!this.#stopping) {
        let any = false;
        for (const t of this.#tails) any = (await t.drain()) || any;
        if (!any) await sleep(POLL_INTERVAL_MS);
      }
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`tessera run: cannot show the task's output: ${error.message}\n`);
      this.#tails = undefined;
    }
  }

  /** Stops polling without printing more (a detached task keeps running). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
  }

  /** Stops polling after copying what the files hold now (the task has ended). */
  async finish(lastStatus: TaskStatus | undefined): Promise<void> {
    if (this.#loop === undefined && lastStatus !== undefined) this.start(lastStatus);
    this.#stopping = true;
    await this.#loop;
    for (const t of this.#tails ?? []) await t.drain();
  }
}

type Outcome =
  | { kind: "terminal"; status: TaskStatus }
  | { kind: "running"; status: TaskStatus }
  | { kind: "stopped"; reason: ClientStopped }
  | { kind: "launch_failed"; message: string }
  | { kind: "interrupted" };

/**
 * Fails at once when no agent could ever hold the request, and waits at most `waitMs` (saying
 * so) while no agent is active, instead of waiting for an offer that cannot come.
 */
async function awaitFit(
  master: MasterClient,
  initial: ClusterState,
  needs: RunNeeds,
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  let state = initial;
  let told = false;
  for (;;) {
    const verdict = fitVerdict(state, needs);
    if (verdict.kind === "fits") return;
    if (verdict.kind === "never_fits") throw new CliError("UNSUPPORTED", verdict.message);
    if (Date.now() >= deadline) {
      throw new CliError(
        "UNSUPPORTED",
        `${verdict.message} after waiting ${Math.round(waitMs / 1000)} s (--wait_for_agent)`,
      );
    }
    if (!told) {
      told = true;
      process.stderr.write(
        `${verdict.message}; waiting up to ${Math.round(waitMs / 1000)} s for one (\`tessera agents\`)\n`,
      );
    }
    await sleep(AGENT_POLL_MS);
    state = await clusterState(master);
  }
}

export async function execute(
  opts: MasterOptions,
  spec: RunSpec,
  detach: boolean,
  agentWaitMs: number,
): Promise<number> {
  applyCliCredential(opts);
  const master = await MasterClient.connect(opts.master);
  const agents = new Map<string, WireAgent>();
  // Reading the state first fails fast (and clearly) when no master answers.
  const initial = await clusterState(master);
  for (const a of initial.agents) agents.set(a.agent_info.id?.value ?? "", a);
  await awaitFit(master, initial, { ...spec, role: spec.role }, agentWaitMs);

  const client = runFramework(master, spec, detach);
  const output = new OutputStream(master, spec, () => client.frameworkId, agents);
  let settle: (o: Outcome) => void = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });

  let launched = false;
  let toldWaiting = false;
  const needs = {
    cpus: spec.cpus,
    memMb: spec.memMb,
    diskMb: spec.diskMb,
    ports: spec.network.ports.length,
  };
  client.on("offers", async (offers: Offer[]) => {
    for (const offer of offers) {
      const taken = launched ? undefined : new RemainingOffer(offer).take(needs);
      if (taken === undefined) {
        if (!launched && !toldWaiting) {
          toldWaiting = true;
          process.stderr.write(
            `waiting for an offer with cpus:${spec.cpus};mem:${spec.memMb}${spec.diskMb > 0 ? `;disk:${spec.diskMb}` : ""} (\`tessera agents\` shows what is free)\n`,
          );
        }
        await client.decline([offer.id.value], {
          refuseSeconds: launched ? DECLINE_REFUSE_SECONDS : 1,
        });
        continue;
      }
      launched = true;
      const task = commandTask({
        id: spec.taskId,
        name: spec.name,
        agentId: offer.agent_id.value,
        cmd: spec.command,
        shell: true,
        resources: taken.resources,
        ...(Object.keys(spec.env).length > 0 ? { env: spec.env } : {}),
      });
      if (spec.image !== undefined) {
        const image = { type: "DOCKER" as const, docker: { name: spec.image } };
        task.container = { type: "MESOS", mesos: { image } };
      }
      applyRunNetwork(task, spec.network, taken.ports);
      process.stderr.write(describeMappings(spec.network, taken.ports));
      const result = await client.launch([offer.id.value], [task], {
        refuseSeconds: DECLINE_REFUSE_SECONDS,
      });
      if (!result.ok) settle({ kind: "launch_failed", message: result.message });
      else await client.suppress();
    }
  });

  let lastState: string | undefined;
  client.on("update", (status: TaskStatus) => {
    if (status.task_id.value !== spec.taskId) return;
    if (status.state !== lastState) {
      lastState = status.state;
      const agent = agents.get(status.agent_id?.value ?? "");
      const where = agent === undefined ? "" : ` on agent ${agentAddress(agent)}`;
      const why = isTerminalState(status.state) && status.message ? `: ${status.message}` : "";
      process.stderr.write(`task ${spec.taskId} ${status.state}${where}${why}\n`);
    }
    if (isTerminalState(status.state)) settle({ kind: "terminal", status });
    else if (detach) {
      // A detached run prints only the task id: its output is for `tessera logs`.
      if (status.state === "TASK_RUNNING") settle({ kind: "running", status });
    } else if (status.state === "TASK_RUNNING" || status.state === "TASK_STARTING") {
      output.start(status);
    }
  });

  const onSigint = () => settle({ kind: "interrupted" });
  process.once("SIGINT", onSigint);
  void client.start().then((reason) => settle({ kind: "stopped", reason }));
  const result = await outcome;
  process.off("SIGINT", onSigint);
  return conclude(result, client, output, spec);
}

/** The framework of one run: its role; a failover timeout and checkpointing when it detaches. */
function runFramework(master: MasterClient, spec: RunSpec, detach: boolean): SchedulerClient {
  return new SchedulerClient({
    master: master.baseUrl,
    frameworkInfo: {
      user: userInfo().username,
      name: "tessera-run",
      roles: [spec.role],
      capabilities: [{ type: "MULTI_ROLE" }],
      failover_timeout: detach ? DETACHED_FAILOVER_TIMEOUT_SECONDS : 0,
      // A detached task outlives this process: checkpointed, it also survives an agent
      // restart (`tessera dev` stopped and started again) instead of being killed as unknown.
      checkpoint: detach,
    },
    backoffInitialMs: 100,
    backoffMaxMs: 2000,
  });
}

/** Ends the run as its outcome says: what is printed, what is torn down, the exit code. */
async function conclude(
  result: Outcome,
  client: SchedulerClient,
  output: OutputStream,
  spec: RunSpec,
): Promise<number> {
  switch (result.kind) {
    case "running":
      await output.stop();
      // Acknowledged before leaving (the client would do it only after this handler): else the
      // agent holds back the task's next updates until its retry, and the master shows the
      // task running long after it ended.
      await client.acknowledge(result.status);
      await client.stop();
      process.stdout.write(`${spec.taskId}\n`);
      return 0;
    case "terminal":
      await output.finish(result.status);
      await client.teardown();
      await client.stop();
      return exitCodeOf(result.status);
    case "interrupted":
      await output.finish(undefined);
      await client.teardown();
      await client.stop();
      process.stderr.write(`tessera run: interrupted; task ${spec.taskId} killed\n`);
      return EXIT_INTERRUPTED;
    case "launch_failed":
      await client.teardown();
      await client.stop();
      throw new CliError("REFUSED", `the master refused the launch: ${result.message}`);
    case "stopped":
      throw new CliError("REFUSED", `the master ended the framework: ${result.reason.message}`);
  }
}
