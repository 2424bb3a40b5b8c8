// The set-up most master HTTP suites share: one master, one test agent and one subscribed
// scheduler, started before the suite's first test and stopped after its last. Further set-up
// goes in the suite's own `before`, which runs after this one.
import { after, before } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import { lateBound } from "../../support/cluster.ts";
import {
  launchRunning,
  startTestMaster,
  subscribeScheduler,
  type TestScheduler,
} from "./helpers.ts";
import { TestAgent, type TestAgentOptions } from "./test-agent.ts";

/** Only a master (`flags`), for the suite. */
export function masterOnlySuite(flags: Record<string, string> = {}): RunningMaster {
  const master = lateBound<RunningMaster>("the suite's master");
  let started: RunningMaster | undefined;
  before(async () => {
    started = await startTestMaster(flags);
    master.set(started);
  });
  after(async () => {
    await started?.close();
  });
  return master.ref;
}

export interface MasterSuiteOptions {
  flags?: Record<string, string>;
  /** The test agent's options; false: no agent. */
  agent?: TestAgentOptions | false;
  /** The scheduler's FrameworkInfo (default: helpers.ts DEFAULT_FRAMEWORK_INFO); false: none. */
  framework?: Record<string, unknown> | false;
  /** Runs after the suite's tests, while everything still runs (a check of the end state). */
  beforeStop?: () => Promise<void>;
}

export function masterSuite(options: MasterSuiteOptions = {}): {
  master: RunningMaster;
  agent: TestAgent;
  scheduler: TestScheduler;
} {
  const master = lateBound<RunningMaster>("the suite's master");
  const agent = lateBound<TestAgent>("the suite's agent");
  const scheduler = lateBound<TestScheduler>("the suite's scheduler");
  let started: { master?: RunningMaster; agent?: TestAgent; scheduler?: TestScheduler } = {};
  before(async () => {
    started = { master: await startTestMaster(options.flags) };
    master.set(started.master as RunningMaster);
    if (options.agent !== false) {
      started.agent = await TestAgent.start(master.ref.url, options.agent);
      agent.set(started.agent);
    }
    if (options.framework !== false) {
      started.scheduler = await subscribeScheduler(master.ref, options.framework);
      scheduler.set(started.scheduler);
    }
  });
  after(async () => {
    try {
      if (started.master !== undefined) await options.beforeStop?.();
    } finally {
      started.scheduler?.close();
      started.agent?.close();
      await started.master?.close();
    }
  });
  return { master: master.ref, agent: agent.ref, scheduler: scheduler.ref };
}

/**
 * A master's first run before a restart: master (`flags`), agent `hostname` and a framework
 * (`framework`) with `taskId` running; `during` acts on them, then all three are closed. The
 * ids it returns are what the restarted master must recover.
 */
export async function firstRun(
  flags: Record<string, string>,
  hostname: string,
  framework: Record<string, unknown>,
  taskId: string,
  during: (run: { master: RunningMaster; agent: TestAgent }) => Promise<void> = async () => {},
): Promise<{ master: RunningMaster; agentId: string; frameworkId: string }> {
  const master = await startTestMaster(flags);
  try {
    const agent = await TestAgent.start(master.url, { hostname });
    const scheduler = await subscribeScheduler(master, framework);
    await launchRunning(master, scheduler, agent, taskId);
    await during({ master, agent });
    scheduler.close();
    agent.close();
    return { master, agentId: agent.agentId, frameworkId: scheduler.frameworkId };
  } finally {
    await master.close();
  }
}
