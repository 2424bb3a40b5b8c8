// The services page: the built-in services framework's apps (Marathon API) through the
// master's `/framework-api/<id>/` relay, found by the framework's webui_url in the live model.
// Apps with health bars, deployments, the launch queue with why each app waits (the offer
// reject reasons), create/edit as JSON validated before sending, scale, restart and delete.
// The services API has its own SSE stream, which the relay cannot carry; the page re-reads the
// apps every REFRESH_MS while open instead.

import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";
import { definitionOf } from "./app-check.ts";
import type { ClusterModel, Framework } from "./model.ts";
import { frameworkBase, usePolled } from "./poll.ts";
import { AppPage } from "./service-app.ts";
import { call, Editor, TEMPLATE } from "./service-editor.ts";
import type { TaskFailure } from "./service-failure.ts";
import { filterBox } from "./table.ts";

const REFRESH_MS = 2_000;
export const SERVICES_FRAMEWORK_NAME = "tessera-services";

interface App {
  id: string;
  cmd?: string;
  instances: number;
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  tasksStaged?: number;
  healthChecks?: unknown[];
  deployments?: { id: string }[];
  lastTaskFailure?: TaskFailure;
}
interface QueueItem {
  app: { id: string };
  count: number;
  delay?: { timeLeftSeconds: number };
  processedOffersSummary?: {
    processedOffersCount: number;
    rejectSummaryLastOffers?: { reason: string; declined: number; processed: number }[];
  };
}
interface Deployment {
  id: string;
  affectedApps: string[];
  currentStep: number;
  totalSteps: number;
  /** `waitingFor`: Tessera's reason an action has not finished (the services API's). */
  currentActions?: { action: string; app: string; waitingFor?: string }[];
}

/** The live services framework with a webui_url, if one is subscribed. */
export function servicesFramework(model: ClusterModel): Framework | undefined {
  for (const f of model.frameworks.values()) {
    if (
      f.framework_info.name === SERVICES_FRAMEWORK_NAME &&
      f.active &&
      f.framework_info.webui_url
    ) {
      return f;
    }
  }
  return undefined;
}

/** A bar of an app's instances: healthy, unhealthy, running without verdict, staged, missing. */
function healthBar(app: App): ComponentChild {
  const total = Math.max(app.instances, 1);
  const checked = (app.healthChecks ?? []).length > 0;
  const healthy = checked ? (app.tasksHealthy ?? 0) : (app.tasksRunning ?? 0);
  const unhealthy = app.tasksUnhealthy ?? 0;
  const unknown = checked ? Math.max(0, (app.tasksRunning ?? 0) - healthy - unhealthy) : 0;
  const staged = app.tasksStaged ?? 0;
  const part = (n: number, cls: string) =>
    n > 0 ? h("span", { class: `bar ${cls}`, style: { width: `${(n / total) * 100}%` } }) : null;
  return h(
    "span",
    {
      class: "health",
      "data-testid": `health-${app.id}`,
      "data-healthy": String(healthy),
      "data-instances": String(app.instances),
      title: `${healthy} healthy, ${unhealthy} unhealthy, ${unknown} unchecked, ${staged} staged of ${app.instances}`,
    },
    part(healthy, "healthy"),
    part(unhealthy, "unhealthy"),
    part(unknown, "unknown"),
    part(staged, "staged"),
  );
}

function whyWaiting(item: QueueItem): string {
  const rejects = (item.processedOffersSummary?.rejectSummaryLastOffers ?? []).filter(
    (r) => r.declined > 0,
  );
  const delay = item.delay?.timeLeftSeconds ?? 0;
  const parts = rejects.map((r) => `${r.reason}: ${r.declined} of ${r.processed} offers`);
  if (delay > 0) parts.unshift(`backing off ${delay}s after failures`);
  if (parts.length === 0)
    parts.push(
      `no offer processed yet (${item.processedOffersSummary?.processedOffersCount ?? 0})`,
    );
  return parts.join("; ");
}

interface Listing {
  apps: App[];
  queue: QueueItem[];
  deployments: Deployment[];
}

async function listing(base: string): Promise<Listing> {
  const [a, q, d] = await Promise.all([
    call(base, "GET", "/v2/apps?embed=apps.lastTaskFailure"),
    call(base, "GET", "/v2/queue"),
    call(base, "GET", "/v2/deployments"),
  ]);
  return {
    apps: (a as { apps: App[] }).apps,
    queue: (q as { queue: QueueItem[] }).queue,
    deployments: d as Deployment[],
  };
}

interface AppActions {
  edit(): void;
  scale(): void;
  suspend(): void;
  rollback(): void;
  restart(): void;
  remove(): void;
}

/** An app's own URL on the page: its row and its last failure with the output's tails. */
const appHref = (id: string) => `#/services/${encodeURIComponent(id)}`;

function appRow(app: App, actions: AppActions): ComponentChild {
  const failure = app.lastTaskFailure;
  return h(
    "tr",
    { key: app.id, "data-app": app.id },
    h("td", null, h("a", { href: appHref(app.id) }, app.id)),
    h("td", { class: "num" }, `${app.tasksRunning ?? 0} / ${app.instances}`),
    h("td", null, healthBar(app)),
    h("td", null, String(app.deployments?.length ?? 0)),
    h(
      "td",
      null,
      failure === undefined
        ? ""
        : h(
            "a",
            { href: appHref(app.id), "data-failure": app.id },
            `${failure.state.replace(/^TASK_/, "")} ${failure.timestamp.slice(11, 19)}: ${failure.message}`,
          ),
    ),
    h(
      "td",
      null,
      h("button", { "data-edit": app.id, onClick: actions.edit }, "Edit"),
      h("button", { "data-scale": app.id, onClick: actions.scale }, "Scale"),
      h("button", { "data-suspend": app.id, onClick: actions.suspend }, "Suspend"),
      h("button", { "data-rollback": app.id, onClick: actions.rollback }, "Versions"),
      h("button", { "data-restart": app.id, onClick: actions.restart }, "Restart"),
      h("button", { "data-delete": app.id, onClick: actions.remove }, "Delete"),
    ),
  );
}

/** What the buttons of one app's row do; `act` runs a call and reports it on the page. */
function appActions(
  base: string,
  app: App,
  act: (what: Promise<unknown>, done: string) => void,
  setError: (message: string) => void,
  edit: () => void,
): AppActions {
  const put = (body: unknown) => call(base, "PUT", `/v2/apps${app.id}`, body);
  // Marathon's rollback: the app's stored versions, newest first; PUT {version} goes back to one.
  const rollback = async () => {
    const { versions } = (await call(base, "GET", `/v2/apps${app.id}/versions`)) as {
      versions: string[];
    };
    const list = versions.map((v, i) => `${i}: ${v}`).join("\n");
    const pick = prompt(`versions of ${app.id} (number to roll back to):\n${list}`, "1");
    const version = pick === null ? undefined : versions[Number(pick)];
    if (version !== undefined) act(put({ version }), `rolling ${app.id} back to ${version}`);
  };
  return {
    edit,
    scale: () => {
      const n = Number(prompt(`instances of ${app.id}`, String(app.instances)));
      if (Number.isInteger(n) && n >= 0) act(put({ instances: n }), `scaling ${app.id} to ${n}`);
    },
    // Marathon's Suspend: scaled to 0, the app and its versions kept.
    suspend: () => act(put({ instances: 0 }), `suspending ${app.id}`),
    rollback: () => void rollback().catch((e: unknown) => setError(String(e))),
    restart: () => act(call(base, "POST", `/v2/apps${app.id}/restart`), `restarting ${app.id}`),
    remove: () => {
      if (confirm(`delete ${app.id}?`))
        act(call(base, "DELETE", `/v2/apps${app.id}`), `deleting ${app.id}`);
    },
  };
}

/** The deployments under way: progress, what each step does, and why a step waits. */
function deploymentList(deployments: readonly Deployment[]): ComponentChild {
  return deployments.length === 0
    ? h("p", { class: "empty" }, "none in progress")
    : h(
        "ul",
        { "data-testid": "deployments" },
        deployments.map((d) =>
          h(
            "li",
            { key: d.id, "data-deployment": d.id },
            `${d.affectedApps.join(", ")}: step ${d.currentStep} of ${d.totalSteps} `,
            // currentStep is the one under way (1-based): the steps before it are done.
            h("progress", { max: d.totalSteps, value: Math.max(0, d.currentStep - 1) }),
            " ",
            (d.currentActions ?? []).map((a) => `${a.action} ${a.app}`).join(", "),
            (d.currentActions ?? [])
              .filter((a) => a.waitingFor !== undefined)
              .map((a) =>
                h("div", { class: "why", "data-waiting": a.app }, `${a.app}: ${a.waitingFor}`),
              ),
          ),
        ),
      );
}

/** The launch queue: what waits for offers, and why. */
function queueList(queue: readonly QueueItem[]): ComponentChild {
  return queue.length === 0
    ? h("p", { class: "empty" }, "nothing waits")
    : h(
        "ul",
        { "data-testid": "queue" },
        queue.map((q) =>
          h(
            "li",
            { key: q.app.id },
            `${q.app.id}: ${q.count} instance(s) waiting — ${whyWaiting(q)}`,
          ),
        ),
      );
}

export function Services({
  model,
  selected,
}: {
  model: ClusterModel;
  /** The app whose last failure is shown (`#/services/<app id>`). */
  selected?: string | undefined;
}): ComponentChild {
  const framework = servicesFramework(model);
  const base = frameworkBase(framework);
  const [failure, setError] = useState("");
  const [note, setNote] = useState("");
  const [editing, setEditing] = useState<string | undefined>();
  const [tick, setTick] = useState(0);
  const [filter, setFilter] = useState("");
  const polled = usePolled(base, () => listing(base), [tick], REFRESH_MS);
  const { apps, queue, deployments } = polled.value ?? { apps: [], queue: [], deployments: [] };
  const error = failure || polled.error;
  const needle = filter.trim().toLowerCase();
  const shown = apps.filter((a) => `${a.id} ${a.cmd ?? ""}`.toLowerCase().includes(needle));
  if (framework === undefined) {
    return h(
      "div",
      { class: "page", "data-testid": "services" },
      h("h2", null, "Services"),
      h(
        "p",
        { class: "empty" },
        "The services framework is not running: `tessera dev` starts it (unless --services_port off).",
      ),
    );
  }
  const act = (what: Promise<unknown>, done: string) =>
    void what.then(
      () => {
        setNote(done);
        setTick((t) => t + 1);
      },
      (e: unknown) => setError(String(e)),
    );
  return h(
    "div",
    { class: "page", "data-testid": "services" },
    h(
      "h2",
      null,
      `Services (${apps.length} apps)`,
      " ",
      h("button", { "data-testid": "app-new", onClick: () => setEditing(TEMPLATE) }, "New app"),
    ),
    editing === undefined
      ? null
      : h(Editor, {
          base,
          initial: editing,
          onDone: (m: string) => {
            setEditing(undefined);
            setNote(m);
            setTick((t) => t + 1);
          },
        }),
    note === "" ? null : h("p", { class: "note" }, note),
    error === "" ? null : h("p", { class: "error" }, error),
    apps.length === 0
      ? null
      : filterBox(filter, setFilter, "filter by id or command", "apps-filter"),
    apps.length === 0
      ? h("p", { class: "empty" }, "No app yet: `New app`, or `tessera services deploy app.json`.")
      : h(
          "table",
          { class: "apps", "data-testid": "apps" },
          h(
            "tr",
            null,
            ["app", "instances", "health", "deployments", "last failure", ""].map((c) =>
              h("th", null, c),
            ),
          ),
          shown.length === 0
            ? h("tr", null, h("td", { colSpan: 6, class: "empty" }, "No app matches the filter."))
            : null,
          shown.map((app) =>
            appRow(
              app,
              appActions(base, app, act, setError, () =>
                setEditing(JSON.stringify(definitionOf(app), null, 2)),
              ),
            ),
          ),
        ),
    selected === undefined
      ? null
      : h(AppPage, {
          base,
          appId: selected,
          frameworkId: framework.framework_info.id?.value ?? "",
          model,
        }),
    h("h3", null, "Deployments"),
    deploymentList(deployments),
    h("h3", null, "Waiting to launch"),
    queueList(queue),
  );
}
