// The maintenance page: the schedule with each machine's mode (UP, DRAINING, DOWN), and for
// each draining machine the frameworks' answers to its inverse offers (ACCEPT or DECLINE, and
// when), read with GET_MAINTENANCE_SCHEDULE and GET_MAINTENANCE_STATUS every REFRESH_MS while
// open (neither changes with an event on the stream). The answers are advisory, as in Mesos:
// they tell the operator which frameworks agreed to give the machine up. Changing the schedule
// or the modes is the CLI's (docs/maintenance.md).
import { type ComponentChild, h } from "preact";
import { fmt, time } from "./format.ts";
import type { ClusterModel } from "./model.ts";
import { operatorCall, REFRESH_MS } from "./operator-pages.ts";
import { usePolled } from "./poll.ts";

interface Machine {
  hostname?: string;
  ip?: string;
}
interface Window {
  machine_ids?: Machine[];
  unavailability?: { start?: { nanoseconds?: number }; duration?: { nanoseconds?: number } };
}
interface Answer {
  status: string;
  framework_id: { value: string };
  timestamp?: { nanoseconds?: number };
}
interface Status {
  draining_machines?: { id: Machine; statuses?: Answer[] }[];
  down_machines?: Machine[];
}

const machine = (m: Machine) => m.hostname ?? m.ip ?? "?";
const key = (m: Machine) => `${m.hostname ?? ""}/${m.ip ?? ""}`;
const seconds = (ns: number | undefined) => (ns === undefined ? undefined : Number(ns) / 1e9);

function mode(m: Machine, status: Status): string {
  if ((status.down_machines ?? []).some((d) => key(d) === key(m))) return "DOWN";
  if ((status.draining_machines ?? []).some((d) => key(d.id) === key(m))) return "DRAINING";
  return "UP";
}

function schedule(windows: readonly Window[], status: Status): ComponentChild {
  if (windows.length === 0)
    return h(
      "p",
      { class: "empty" },
      "No maintenance is scheduled (`tessera maintenance schedule`, docs/maintenance.md).",
    );
  return h(
    "table",
    { class: "apps", "data-testid": "maintenance-schedule" },
    h(
      "tr",
      null,
      ["machine", "ip", "mode", "from", "for"].map((c) => h("th", null, c)),
    ),
    windows.flatMap((w) =>
      (w.machine_ids ?? []).map((m) =>
        h(
          "tr",
          { key: key(m), "data-machine": machine(m) },
          h("td", null, m.hostname ?? ""),
          h("td", null, m.ip ?? ""),
          h("td", { "data-mode": machine(m) }, mode(m, status)),
          h("td", null, time(seconds(w.unavailability?.start?.nanoseconds))),
          h(
            "td",
            null,
            w.unavailability?.duration?.nanoseconds === undefined
              ? "open-ended"
              : `${fmt((seconds(w.unavailability.duration.nanoseconds) ?? 0) / 60)} min`,
          ),
        ),
      ),
    ),
  );
}

/** One row a framework's answer, per draining machine; the framework named from the model. */
function answers(status: Status, model: ClusterModel): ComponentChild {
  const draining = status.draining_machines ?? [];
  if (draining.length === 0) return h("p", { class: "empty" }, "No machine is draining.");
  const name = (id: string) => model.frameworks.get(id)?.framework_info.name ?? "";
  return h(
    "table",
    { class: "apps", "data-testid": "inverse-offer-answers" },
    h(
      "tr",
      null,
      ["machine", "framework", "name", "answer", "answered at"].map((c) => h("th", null, c)),
    ),
    draining.flatMap((d): ComponentChild[] =>
      (d.statuses ?? []).length === 0
        ? [
            h(
              "tr",
              { key: key(d.id) },
              h("td", null, machine(d.id)),
              h("td", { colSpan: 4, class: "empty" }, "no inverse-offer answer yet"),
            ),
          ]
        : (d.statuses ?? []).map((a) =>
            h(
              "tr",
              {
                key: `${key(d.id)} ${a.framework_id.value}`,
                "data-answer": `${machine(d.id)} ${a.framework_id.value}`,
              },
              h("td", null, machine(d.id)),
              h("td", null, a.framework_id.value),
              h("td", null, name(a.framework_id.value)),
              h("td", { class: `answer ${a.status}` }, a.status),
              h("td", null, time(seconds(a.timestamp?.nanoseconds))),
            ),
          ),
    ),
  );
}

export function Maintenance({ model }: { model: ClusterModel }): ComponentChild {
  const polled = usePolled(
    "/api/v1",
    async () => {
      const [schedule, status] = await Promise.all([
        operatorCall({ type: "GET_MAINTENANCE_SCHEDULE" }),
        operatorCall({ type: "GET_MAINTENANCE_STATUS" }),
      ]);
      return {
        windows:
          (schedule.get_maintenance_schedule as { schedule?: { windows?: Window[] } } | undefined)
            ?.schedule?.windows ?? [],
        status: (status.get_maintenance_status as { status?: Status } | undefined)?.status ?? {},
      };
    },
    [],
    REFRESH_MS,
  );
  const { windows, status } = polled.value ?? { windows: [], status: {} };
  return h(
    "div",
    { class: "page", "data-testid": "maintenance" },
    h("h2", null, "Maintenance"),
    polled.error ? h("p", { class: "error" }, polled.error) : null,
    h("h3", null, "Schedule"),
    schedule(windows, status),
    h("h3", null, "Inverse-offer answers of draining machines"),
    answers(status, model),
    h("h3", null, "Down machines"),
    (status.down_machines ?? []).length === 0
      ? h("p", { class: "empty" }, "none")
      : h(
          "ul",
          null,
          (status.down_machines ?? []).map((m) => h("li", { key: key(m) }, machine(m))),
        ),
  );
}
