// Agent maintenance: `tessera drain AGENT` (DRAIN_AGENT: no new offers from the agent, its
// tasks are killed within --max-grace-period, optionally marked gone afterwards), and
// `tessera deactivate AGENT` / `tessera reactivate AGENT` (DEACTIVATE_AGENT / REACTIVATE_AGENT:
// stop or resume offers from it, tasks untouched). Reference §4.2. AGENT is an agent id or
// HOST:PORT as `tessera agents` prints them.
import type { Command } from "commander";
import { usageError } from "./cli-error.ts";
import { clusterState, findAgent } from "./cluster-views.ts";
import { connect, type MasterOptions, operatorCommand, runAction } from "./command-kit.ts";

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
};

/** `30s`, `10mins`, `1h`, `500ms` or plain seconds, as milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^([0-9]*\.?[0-9]+)\s*([a-z]*)$/.exec(text.trim());
  if (m === null) return undefined;
  const unit = m[2] === "" ? 1000 : DURATION_UNITS_MS[m[2] as string];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

async function agentId(opts: MasterOptions, text: string) {
  const master = await connect(opts);
  const agent = findAgent(await clusterState(master), text);
  return { master, id: agent.agent_info.id?.value ?? text };
}

export function drainCommand(): Command {
  return operatorCommand("drain", "drain an agent: no new tasks, running ones killed")
    .argument("<agent>", "agent id or HOST:PORT (see `tessera agents`)")
    .option("--max-grace-period <duration>", "longest a task gets to stop, e.g. 30s, 10mins")
    .option("--mark-gone", "mark the agent gone once drained (it may not come back)")
    .action(
      runAction(
        async (
          text: string,
          opts: MasterOptions & { maxGracePeriod?: string; markGone?: boolean },
        ) => {
          let graceMs: number | undefined;
          if (opts.maxGracePeriod !== undefined) {
            graceMs = parseDurationMs(opts.maxGracePeriod);
            if (graceMs === undefined) {
              throw usageError(
                `--max-grace-period: cannot read '${opts.maxGracePeriod}' — use e.g. 30s or 10mins`,
              );
            }
          }
          const { master, id } = await agentId(opts, text);
          const seconds = graceMs === undefined ? undefined : Math.floor(graceMs / 1000);
          await master.call({
            type: "DRAIN_AGENT",
            drain_agent: {
              agent_id: { value: id },
              mark_gone: opts.markGone === true,
              ...(graceMs === undefined
                ? {}
                : {
                    // google.protobuf.Duration: whole seconds plus nanoseconds.
                    max_grace_period: {
                      seconds,
                      nanos: Math.round((graceMs - (seconds ?? 0) * 1000) * 1_000_000),
                    },
                  }),
            },
          });
          process.stdout.write(`agent ${id} is draining\n`);
        },
      ),
    );
}

function agentCall(name: "deactivate" | "reactivate", description: string): Command {
  const type = name === "deactivate" ? "DEACTIVATE_AGENT" : "REACTIVATE_AGENT";
  const field = name === "deactivate" ? "deactivate_agent" : "reactivate_agent";
  return operatorCommand(name, description)
    .argument("<agent>", "agent id or HOST:PORT (see `tessera agents`)")
    .action(
      runAction(async (text: string, opts: MasterOptions) => {
        const { master, id } = await agentId(opts, text);
        await master.call({ type, [field]: { agent_id: { value: id } } });
        process.stdout.write(`agent ${id} ${name}d\n`);
      }),
    );
}

export function deactivateCommand(): Command {
  return agentCall("deactivate", "stop offers from an agent (its tasks keep running)");
}

export function reactivateCommand(): Command {
  return agentCall("reactivate", "resume offers from a deactivated or drained agent");
}
