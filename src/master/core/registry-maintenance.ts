// The maintenance schedule in the registry (reference §4.2 UPDATE_MAINTENANCE_SCHEDULE,
// START_MAINTENANCE, STOP_MAINTENANCE): machines are keyed case-insensitively by hostname and
// ip; every machine is checked before any mode changes. The checks and their messages are
// Mesos's (master/maintenance.cpp `validation`, master/http.cpp `_startMaintenance`); the
// master core runs them on a scratch copy first, so an operator gets them as a 400.
import type { MachineID, Unavailability } from "../../wire/framework.ts";
import {
  CHANGED,
  fail,
  type MaintenanceWindow,
  machineKey,
  NO_CHANGE,
  type RegistryApplyResult,
  type RegistryState,
  type ScheduledMachine,
  sameJson,
} from "./registry-types.ts";

/** inet_pton(AF_INET): four decimal octets, no leading zeros. */
function isIpv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function machineIdError(id: MachineID): string | undefined {
  if ((id.hostname ?? "") === "" && (id.ip ?? "") === "") {
    return "Both 'hostname' and 'ip' for a machine are empty";
  }
  if ((id.ip ?? "") !== "" && !isIpv4(id.ip!)) return `Failed to parse IPv4: ${id.ip}`;
  return undefined;
}

/** As Mesos prints a MachineID in its messages (protobuf JSON, unset fields left out). */
export function describeMachine(id: MachineID): string {
  return `'${JSON.stringify({ hostname: id.hostname, ip: id.ip })}'`;
}

function duplicated(id: MachineID): RegistryApplyResult {
  return fail(
    "invalid_schedule",
    `Machine ${describeMachine(id)} appears more than once in the schedule`,
  );
}

export function updateSchedule(
  state: RegistryState,
  windows: MaintenanceWindow[],
): RegistryApplyResult {
  const scheduled = new Map<string, { id: MachineID; unavailability: Unavailability }>();
  for (const window of windows) {
    if (window.machineIds.length === 0) {
      return fail("invalid_schedule", "List of machines in the maintenance window is empty");
    }
    if ((window.unavailability.duration?.nanoseconds ?? 0) < 0) {
      return fail("invalid_schedule", "Unavailability 'duration' is negative");
    }
    for (const id of window.machineIds) {
      const error = machineIdError(id);
      if (error !== undefined) return fail("invalid_schedule", error);
      const key = machineKey(id);
      if (scheduled.has(key)) {
        return duplicated(id);
      }
      scheduled.set(key, { id, unavailability: window.unavailability });
    }
  }
  // A machine that is DOWN must be brought UP before it may leave the schedule (Mesos).
  for (const [key, machine] of state.maintenance.machines) {
    if (machine.mode === "DOWN" && !scheduled.has(key)) {
      return fail(
        "invalid_schedule",
        `Machine ${describeMachine(machine.id)} is deactivated and cannot be removed from the schedule`,
      );
    }
  }
  if (sameJson(state.maintenance.windows, windows)) return NO_CHANGE;
  const machines = new Map<string, ScheduledMachine>();
  for (const [key, { id, unavailability }] of scheduled) {
    // Newly scheduled machines start DRAINING; machines left out of the schedule are UP again.
    const mode = state.maintenance.machines.get(key)?.mode ?? "DRAINING";
    machines.set(key, { id, mode, unavailability });
  }
  state.maintenance = { windows, machines };
  return CHANGED;
}

export function changeMachineModes(
  state: RegistryState,
  down: boolean,
  ids: MachineID[],
): RegistryApplyResult {
  if (ids.length === 0) return fail("invalid_schedule", "List of machines is empty");
  const keys = new Set<string>();
  for (const id of ids) {
    const error = machineIdError(id);
    if (error !== undefined) return fail("invalid_schedule", error);
    const key = machineKey(id);
    if (keys.has(key)) return duplicated(id);
    keys.add(key);
  }
  for (const id of ids) {
    const machine = state.maintenance.machines.get(machineKey(id));
    if (machine === undefined) {
      return fail(
        "machine_not_scheduled",
        `Machine ${describeMachine(id)} is not part of a maintenance schedule`,
      );
    }
    if (down && machine.mode !== "DRAINING") {
      return fail(
        "machine_not_draining",
        `Machine ${describeMachine(id)} is not in DRAINING mode and cannot be brought down`,
      );
    }
    if (!down && machine.mode !== "DOWN") {
      return fail(
        "machine_not_down",
        `Machine ${describeMachine(id)} is not in DOWN mode and cannot be brought up`,
      );
    }
  }
  if (down) {
    for (const key of keys) state.maintenance.machines.get(key)!.mode = "DOWN";
    return CHANGED;
  }
  // Bringing a machine up ends its maintenance: it leaves the machine list and the schedule.
  for (const key of keys) state.maintenance.machines.delete(key);
  state.maintenance.windows = state.maintenance.windows
    .map((window) => ({
      ...window,
      machineIds: window.machineIds.filter((id) => !keys.has(machineKey(id))),
    }))
    .filter((window) => window.machineIds.length > 0);
  return CHANGED;
}
