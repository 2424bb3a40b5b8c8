// One app on the services page (#/services/<app id>), Marathon UI's app page: its instances
// (task, host, ports, state, health, started, version) and its last failure, from
// GET /v2/apps/<id> (which always embeds both) every REFRESH_MS while open.
import { type ComponentChild, h } from "preact";
import type { ClusterModel } from "./model.ts";
import { usePolled } from "./poll.ts";
import { call } from "./service-editor.ts";
import { LastFailure, type TaskFailure } from "./service-failure.ts";

const REFRESH_MS = 2_000;

interface AppTask {
  id: string;
  host: string;
  ports?: number[];
  state: string;
  startedAt?: string | null;
  version?: string;
  healthCheckResults?: { alive: boolean }[];
}
interface AppInfo {
  id: string;
  tasks?: AppTask[];
  lastTaskFailure?: TaskFailure;
}

function health(t: AppTask): string {
  const results = t.healthCheckResults ?? [];
  if (results.length === 0) return "—";
  return results.every((r) => r.alive) ? "healthy" : "unhealthy";
}

export function AppPage({
  base,
  appId,
  frameworkId,
  model,
}: {
  base: string;
  appId: string;
  frameworkId: string;
  model: ClusterModel;
}): ComponentChild {
  const polled = usePolled(
    base,
    async () => ((await call(base, "GET", `/v2/apps${appId}`)) as { app: AppInfo }).app,
    [appId],
    REFRESH_MS,
  );
  const app = polled.value;
  if (app === undefined || polled.error.includes("404"))
    return h(
      "p",
      { class: polled.error === "" ? "empty" : "error", "data-testid": "app-page" },
      polled.error === ""
        ? `loading ${appId}…`
        : polled.error.includes("404")
          ? `No app ${appId}: it was deleted, or is not created yet (New app).`
          : `${appId}: ${polled.error}`,
    );
  const tasks = app.tasks ?? [];
  return h(
    "section",
    { "data-testid": "app-page" },
    h("h3", null, `Instances of ${appId} (${tasks.length})`),
    tasks.length === 0
      ? h("p", { class: "empty" }, "No task runs: the queue below says why, if one waits.")
      : h(
          "table",
          { class: "apps", "data-testid": "app-tasks" },
          h(
            "tr",
            null,
            ["task", "host", "ports", "state", "health", "started", "version"].map((c) =>
              h("th", null, c),
            ),
          ),
          tasks.map((t) =>
            h(
              "tr",
              { key: t.id, "data-task": t.id },
              h("td", null, h("a", { href: `#/tasks/${encodeURIComponent(t.id)}` }, t.id)),
              h("td", null, t.host),
              h("td", null, (t.ports ?? []).join(", ")),
              h("td", null, t.state),
              h("td", null, health(t)),
              h("td", null, t.startedAt ?? ""),
              h("td", null, t.version ?? ""),
            ),
          ),
        ),
    h(LastFailure, { appId, failure: app.lastTaskFailure, frameworkId, model }),
  );
}
