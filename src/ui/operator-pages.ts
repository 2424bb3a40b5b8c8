// The roles and offers pages, read with operator API calls (v1 JSON on /api/v1) every
// REFRESH_MS while open: weights, quota and offers change without an event on the SUBSCRIBE
// stream. Roles are edited in place (UPDATE_WEIGHTS, UPDATE_QUOTA).

import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";
import { authFetch } from "./auth.ts";
import { fmt, mb, scalar } from "./format.ts";
import type { Framework, Resource } from "./model.ts";
import { usePolled } from "./poll.ts";
import { type Column, Table } from "./table.ts";

export const REFRESH_MS = 2_000;

export async function operatorCall(
  call: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const r = await authFetch("/api/v1", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(call),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${r.status}: ${text.slice(0, 300)}`);
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

interface Role {
  name: string;
  weight: number;
  quota: { guarantee: Record<string, unknown>; limit: Record<string, unknown> };
  allocated: Record<string, number>;
  frameworks: string[];
}

function amounts(record: Record<string, unknown>): string {
  const parts = Object.entries(record).map(([k, v]) => {
    const n = typeof v === "number" ? v : ((v as { value?: number }).value ?? 0);
    return `${k} ${k === "mem" || k === "disk" ? mb(n) : fmt(n)}`;
  });
  return parts.length === 0 ? "—" : parts.join(", ");
}

/** `{cpus: 2, mem: 1024}` → `cpus=2,mem=1024`: the editor's text of a quota as set now. */
function amountsText(record: Record<string, unknown>): string {
  return Object.entries(record)
    .map(([k, v]) => `${k}=${typeof v === "number" ? v : ((v as { value?: number }).value ?? 0)}`)
    .join(",");
}

/** `cpus=2,mem=1024` → `{cpus: {value: 2}, mem: {value: 1024}}`; undefined when malformed. */
function parseAmounts(text: string): Record<string, { value: number }> | undefined {
  const out: Record<string, { value: number }> = {};
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const [name, value] = part.split("=");
    const n = Number(value);
    if (name === undefined || name === "" || !Number.isFinite(n) || n < 0) return undefined;
    out[name] = { value: n };
  }
  return out;
}

function RoleEditor({ role, done }: { role: Role; done: (error: string) => void }): ComponentChild {
  // The fields start from the role's quota as set: UPDATE_QUOTA replaces the whole quota, so
  // an empty guarantee field sent beside a new limit would remove the guarantee.
  const initial = {
    weight: String(role.weight),
    guarantee: amountsText(role.quota.guarantee),
    limit: amountsText(role.quota.limit),
  };
  const [weight, setWeight] = useState(initial.weight);
  const [guarantee, setGuarantee] = useState(initial.guarantee);
  const [limit, setLimit] = useState(initial.limit);
  const save = async () => {
    const w = Number(weight);
    const g = parseAmounts(guarantee);
    const l = parseAmounts(limit);
    if (!(w > 0) || g === undefined || l === undefined) {
      done("weight is a positive number; quota is `name=amount,...` (cpus=2,mem=1024)");
      return;
    }
    try {
      if (weight !== initial.weight)
        await operatorCall({
          type: "UPDATE_WEIGHTS",
          update_weights: { weight_infos: [{ role: role.name, weight: w }] },
        });
      // Both fields emptied: the role's quota is removed (an empty config, as in Mesos).
      if (guarantee !== initial.guarantee || limit !== initial.limit) {
        await operatorCall({
          type: "UPDATE_QUOTA",
          update_quota: { quota_configs: [{ role: role.name, guarantees: g, limits: l }] },
        });
      }
      done("");
    } catch (e) {
      done(String(e));
    }
  };
  const field = (label: string, value: string, set: (v: string) => void, hint: string) =>
    h(
      "label",
      null,
      `${label} `,
      h("input", {
        value,
        placeholder: hint,
        "data-field": label,
        onInput: (e: Event) => set((e.currentTarget as HTMLInputElement).value),
      }),
    );
  return h(
    "div",
    { class: "filters" },
    field("weight", weight, setWeight, "1"),
    field("quota guarantee", guarantee, setGuarantee, "cpus=1,mem=512"),
    field("limit", limit, setLimit, "cpus=4"),
    h("button", { onClick: () => void save(), "data-testid": "role-save" }, "Save"),
  );
}

export function Roles(): ComponentChild {
  const [tick, setTick] = useState(0);
  const [editing, setEditing] = useState<string | undefined>();
  const [error, setError] = useState("");
  const polled = usePolled(
    "/master/roles",
    async () => {
      const r = await authFetch("/master/roles");
      if (!r.ok) throw new Error(`${r.status}: ${await r.text()}`);
      return ((await r.json()) as { roles: Role[] }).roles;
    },
    [tick],
    REFRESH_MS,
  );
  const roles = polled.value ?? [];
  return h(
    "div",
    { class: "page", "data-testid": "roles" },
    h("h2", null, `Roles (${roles.length})`),
    error || polled.error ? h("p", { class: "error" }, error || polled.error) : null,
    polled.value !== undefined && roles.length === 0
      ? h(
          "p",
          { class: "empty" },
          "No role yet: a role appears when a framework subscribes with it or it gets a weight or quota (`tessera quota set ROLE --guarantee cpus=1`).",
        )
      : null,
    h(
      "table",
      { class: "apps" },
      h(
        "tr",
        null,
        ["role", "weight", "quota guarantee", "quota limit", "allocated", "frameworks", ""].map(
          (c) => h("th", null, c),
        ),
      ),
      roles.map((r) => [
        h(
          "tr",
          { key: r.name, "data-role": r.name },
          h("td", null, r.name),
          h("td", { class: "num" }, fmt(r.weight)),
          h("td", null, amounts(r.quota.guarantee)),
          h("td", null, amounts(r.quota.limit)),
          h("td", null, amounts(r.allocated)),
          h("td", { class: "num" }, String(r.frameworks.length)),
          h(
            "td",
            null,
            h(
              "button",
              { onClick: () => setEditing(editing === r.name ? undefined : r.name) },
              "Edit",
            ),
          ),
        ),
        editing === r.name
          ? h(
              "tr",
              null,
              h(
                "td",
                { colSpan: 7 },
                h(RoleEditor, {
                  role: r,
                  done: (e: string) => {
                    setError(e);
                    if (e === "") setEditing(undefined);
                    setTick((t) => t + 1);
                  },
                }),
              ),
            )
          : null,
      ]),
    ),
  );
}

interface Offer {
  id: { value: string };
  framework_id: { value: string };
  agent_id: { value: string };
  hostname: string;
  resources?: Resource[];
}

const offerColumns: Column<Offer>[] = [
  { title: "Offer", cell: (o) => o.id.value, sort: (o) => o.id.value, width: "2.5fr" },
  {
    title: "Framework",
    cell: (o) => o.framework_id.value,
    sort: (o) => o.framework_id.value,
    width: "2.5fr",
  },
  { title: "Host", cell: (o) => o.hostname, sort: (o) => o.hostname, width: "1.5fr" },
  {
    title: "CPUs",
    cell: (o) => fmt(scalar(o.resources, "cpus")),
    sort: (o) => scalar(o.resources, "cpus"),
  },
  {
    title: "Mem",
    cell: (o) => mb(scalar(o.resources, "mem")),
    sort: (o) => scalar(o.resources, "mem"),
  },
  {
    title: "Disk",
    cell: (o) => mb(scalar(o.resources, "disk")),
    sort: (o) => scalar(o.resources, "disk"),
  },
];

export function Offers(): ComponentChild {
  const polled = usePolled(
    "/api/v1",
    async () => {
      const body = await operatorCall({ type: "GET_FRAMEWORKS" });
      const frameworks =
        (body.get_frameworks as { frameworks?: Framework[] } | undefined)?.frameworks ?? [];
      return frameworks.flatMap((f) => (f.offers ?? []) as Offer[]);
    },
    [],
    REFRESH_MS,
  );
  const offers = polled.value ?? [];
  return h(
    "div",
    { class: "page", "data-testid": "offers" },
    h("h2", null, `Outstanding offers (${offers.length})`),
    polled.error ? h("p", { class: "error" }, polled.error) : null,
    h(Table<Offer>, {
      rows: offers,
      columns: offerColumns,
      rowKey: (o) => o.id.value,
      search: (o) => `${o.id.value} ${o.framework_id.value} ${o.hostname}`,
      testId: "offers-table",
      empty: "No offer is outstanding: frameworks hold none right now.",
    }),
  );
}
