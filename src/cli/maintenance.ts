// `tessera maintenance`: the maintenance schedule and machine modes (reference
// security-ui-maintenance.md §5) through the v1 operator calls.
//   schedule [FILE]   print the schedule, or replace it with FILE (a maintenance.Schedule as
//                     JSON, `-` for stdin) — UPDATE_MAINTENANCE_SCHEDULE / GET_…_SCHEDULE
//   status            DRAINING machines with the frameworks' answers, DOWN machines
//   down HOST…        DRAINING -> DOWN (START_MAINTENANCE): the machines' agents are shut down
//   up HOST…          DOWN -> UP (STOP_MAINTENANCE), which also ends their schedule
// A machine is `{hostname, ip}`; HOST names one by hostname or by ip as the schedule lists it
// (a HOST the schedule does not list goes to the master as a hostname, which refuses it).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { usageError } from "./cli-error.ts";
import {
  connect,
  type JsonOptions,
  jsonOption,
  type MasterOptions,
  operatorCommand,
  runAction,
} from "./command-kit.ts";
import type { MasterClient } from "./operator-client.ts";
import { type Column, printJson, printTable } from "./output.ts";

interface MachineId {
  hostname?: string;
  ip?: string;
}
interface Window {
  machine_ids?: MachineId[];
  unavailability?: { start?: { nanoseconds?: number }; duration?: { nanoseconds?: number } };
}
interface Schedule {
  windows?: Window[];
}
interface ClusterStatus {
  draining_machines?: {
    id: MachineId;
    statuses?: { status?: string; framework_id?: { value: string } }[];
  }[];
  down_machines?: MachineId[];
}

export interface ScheduleRow {
  hostname: string;
  ip: string;
  mode: string;
  start: string;
  duration: string;
}

export interface StatusRow {
  hostname: string;
  ip: string;
  mode: string;
  answers: string;
}

const SCHEDULE_COLUMNS: Column<ScheduleRow>[] = [
  { header: "HOSTNAME", value: (r) => r.hostname },
  { header: "IP", value: (r) => r.ip },
  { header: "MODE", value: (r) => r.mode },
  { header: "START", value: (r) => r.start },
  { header: "DURATION", value: (r) => r.duration },
];

const STATUS_COLUMNS: Column<StatusRow>[] = [
  { header: "HOSTNAME", value: (r) => r.hostname },
  { header: "IP", value: (r) => r.ip },
  { header: "MODE", value: (r) => r.mode },
  { header: "ANSWERS", value: (r) => r.answers },
];

async function getSchedule(master: MasterClient): Promise<Schedule> {
  const answer = (await master.call({ type: "GET_MAINTENANCE_SCHEDULE" })) as
    | { get_maintenance_schedule?: { schedule?: Schedule } }
    | undefined;
  return answer?.get_maintenance_schedule?.schedule ?? {};
}

async function getStatus(master: MasterClient): Promise<ClusterStatus> {
  const answer = (await master.call({ type: "GET_MAINTENANCE_STATUS" })) as
    | { get_maintenance_status?: { status?: ClusterStatus } }
    | undefined;
  return answer?.get_maintenance_status?.status ?? {};
}

const sameMachine = (a: MachineId, b: MachineId) =>
  (a.hostname ?? "").toLowerCase() === (b.hostname ?? "").toLowerCase() &&
  (a.ip ?? "") === (b.ip ?? "");

function modeOf(status: ClusterStatus, id: MachineId): string {
  if ((status.down_machines ?? []).some((m) => sameMachine(m, id))) return "DOWN";
  return "DRAINING";
}

/** Nanoseconds since the epoch as an ISO time; a duration as seconds, "forever" when absent. */
function isoTime(ns: number | undefined): string {
  return ns === undefined ? "-" : new Date(Math.floor(Number(ns) / 1e6)).toISOString();
}

function durationText(ns: number | undefined): string {
  return ns === undefined ? "forever" : `${Number(ns) / 1e9}s`;
}

export function scheduleRows(schedule: Schedule, status: ClusterStatus): ScheduleRow[] {
  return (schedule.windows ?? []).flatMap((w) =>
    (w.machine_ids ?? []).map((id) => ({
      hostname: id.hostname ?? "",
      ip: id.ip ?? "",
      mode: modeOf(status, id),
      start: isoTime(w.unavailability?.start?.nanoseconds),
      duration: durationText(w.unavailability?.duration?.nanoseconds),
    })),
  );
}

export function statusRows(status: ClusterStatus): StatusRow[] {
  const draining = (status.draining_machines ?? []).map((m) => ({
    hostname: m.id.hostname ?? "",
    ip: m.id.ip ?? "",
    mode: "DRAINING",
    answers:
      (m.statuses ?? []).map((s) => `${s.framework_id?.value ?? "?"}:${s.status}`).join(",") || "-",
  }));
  const down = (status.down_machines ?? []).map((id) => ({
    hostname: id.hostname ?? "",
    ip: id.ip ?? "",
    mode: "DOWN",
    answers: "-",
  }));
  return [...draining, ...down];
}

/** The schedule's machine ids that HOST names (by hostname or ip); else HOST as a hostname. */
export function machinesFor(schedule: Schedule, hosts: readonly string[]): MachineId[] {
  const listed = (schedule.windows ?? []).flatMap((w) => w.machine_ids ?? []);
  return hosts.flatMap((host) => {
    const found = listed.filter(
      (id) => (id.hostname ?? "").toLowerCase() === host.toLowerCase() || id.ip === host,
    );
    return found.length > 0 ? found : [{ hostname: host }];
  });
}

function readSchedule(file: string): Schedule {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw usageError(`cannot read '${file}': ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error('expected an object like {"windows": [...]}');
    }
    return parsed as Schedule;
  } catch (error) {
    throw usageError(`'${file}' is not a maintenance schedule: ${(error as Error).message}`);
  }
}

function scheduleCommand(): Command {
  return operatorCommand("schedule", "print the maintenance schedule, or replace it with FILE")
    .argument("[file]", 'a maintenance.Schedule as JSON ({"windows": [...]}); - for stdin')
    .addOption(jsonOption())
    .action(
      runAction(async (file: string | undefined, opts: MasterOptions & JsonOptions) => {
        const master = await connect(opts);
        if (file !== undefined) {
          const schedule = readSchedule(file);
          await master.call({
            type: "UPDATE_MAINTENANCE_SCHEDULE",
            update_maintenance_schedule: { schedule },
          });
          const machines = (schedule.windows ?? []).flatMap((w) => w.machine_ids ?? []).length;
          process.stdout.write(`maintenance schedule updated: ${machines} machine(s)\n`);
          return;
        }
        const schedule = await getSchedule(master);
        if (opts.json) printJson(schedule);
        else printTable(SCHEDULE_COLUMNS, scheduleRows(schedule, await getStatus(master)));
      }),
    );
}

function statusCommand(): Command {
  return operatorCommand("status", "DRAINING machines with the frameworks' answers, DOWN machines")
    .addOption(jsonOption())
    .action(
      runAction(async (opts: MasterOptions & JsonOptions) => {
        const status = await getStatus(await connect(opts));
        if (opts.json) printJson(status);
        else printTable(STATUS_COLUMNS, statusRows(status));
      }),
    );
}

function modeCommand(name: "down" | "up"): Command {
  const description =
    name === "down"
      ? "bring DRAINING machines DOWN: their agents are shut down and refused"
      : "bring DOWN machines back UP, ending their maintenance";
  return operatorCommand(name, description)
    .argument("<host...>", "hostname or ip of a machine in the schedule")
    .action(
      runAction(async (hosts: string[], opts: MasterOptions) => {
        const master = await connect(opts);
        const machines = machinesFor(await getSchedule(master), hosts);
        const [type, field] =
          name === "down"
            ? ["START_MAINTENANCE", "start_maintenance"]
            : ["STOP_MAINTENANCE", "stop_maintenance"];
        await master.call({ type, [field]: { machines } });
        const names = machines.map((m) => [m.hostname, m.ip].filter(Boolean).join("/"));
        process.stdout.write(`${names.join(" ")} ${name === "down" ? "DOWN" : "UP"}\n`);
      }),
    );
}

export function maintenanceCommand(): Command {
  return new Command("maintenance")
    .description("maintenance schedule and machine modes (UP -> DRAINING -> DOWN -> UP)")
    .addCommand(scheduleCommand())
    .addCommand(statusCommand())
    .addCommand(modeCommand("down"))
    .addCommand(modeCommand("up"));
}
