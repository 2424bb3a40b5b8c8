// The web UI's entry point: one page per hash route (#/overview, #/agents, #/frameworks,
// #/tasks, #/tasks/<id>, #/sandbox/...), all rendered from one live ClusterModel that the
// operator event stream keeps current. Rendering is batched: events only bump the model's
// version, and a frame is drawn at most every RENDER_INTERVAL_MS when it moved.
import { type ComponentChild, h, render } from "preact";
import { AgentDetail } from "./agent-detail.ts";
import {
  authFetch,
  authorization,
  LoginForm,
  loginNeeded,
  logout,
  noteStatus,
  onAuthChange,
} from "./auth.ts";
import { FrameworkDetail } from "./framework-detail.ts";
import { Jobs, jobsFramework } from "./jobs.ts";
import { Maintenance } from "./maintenance.ts";
import { ClusterModel } from "./model.ts";
import { Offers, Roles } from "./operator-pages.ts";
import { Overview } from "./overview.ts";
import { Agents, Frameworks, TaskDetail, Tasks } from "./pages.ts";
import { Sandbox } from "./sandbox.ts";
import { Services, servicesFramework } from "./services.ts";
import { followMaster, type StreamStatus } from "./stream.ts";

const RENDER_INTERVAL_MS = 200;
/** How often the overview's time series takes a sample. */
const SAMPLE_INTERVAL_MS = 5_000;

const model = new ClusterModel();
let status: StreamStatus = { kind: "connecting", base: "" };
let leader = "";

const PAGES: readonly [string, string][] = [
  ["overview", "Overview"],
  ["agents", "Agents"],
  ["frameworks", "Frameworks"],
  ["tasks", "Tasks"],
  ["offers", "Offers"],
  ["roles", "Roles"],
  ["maintenance", "Maintenance"],
];

function route(): string[] {
  const hash = location.hash.replace(/^#\/?/, "");
  return hash === "" ? ["overview"] : hash.split("/").map(decodeURIComponent);
}

function page(parts: string[]): ComponentChild {
  switch (parts[0]) {
    case "agents":
      return parts[1] === undefined
        ? h(Agents, { model })
        : h(AgentDetail, { model, id: parts[1] });
    case "frameworks":
      return parts[1] === undefined
        ? h(Frameworks, { model })
        : h(FrameworkDetail, { model, id: parts[1] });
    case "tasks":
      return parts[1] === undefined ? h(Tasks, { model }) : h(TaskDetail, { model, id: parts[1] });
    case "offers":
      return h(Offers, null);
    case "roles":
      return h(Roles, null);
    case "maintenance":
      return h(Maintenance, { model });
    case "jobs":
      return h(Jobs, { model, selected: parts[1] });
    case "services":
      return h(Services, { model, selected: parts[1] });
    case "sandbox":
      return h(Sandbox, {
        agentId: parts[1] ?? "",
        frameworkId: parts[2] ?? "",
        executorId: parts[3] ?? "",
        sub: parts.slice(4).join("/"),
      });
    default:
      return h(Overview, { model, leader });
  }
}

function statusLine(): ComponentChild {
  const text =
    status.kind === "live"
      ? `live · ${model.events} events`
      : status.kind === "connecting"
        ? "connecting…"
        : `reconnecting: ${status.error}`;
  return h("span", { class: `status ${status.kind}`, "data-testid": "stream-status" }, text);
}

/**
 * Why the stream is down, from its failure until it is live again: the reconnection attempts
 * in between ("connecting") keep the line, so the page does not jump with each retry.
 */
let downError: string | undefined;

/** While the stream is down: what the page shows is stale, and what the user can do. */
function streamDown(): ComponentChild {
  // A master that wants a login answered: the login form says what to do.
  if (downError === undefined || loginNeeded()) return null;
  const others = new URLSearchParams(location.search).get("masters");
  return h(
    "p",
    { class: "error", "data-testid": "stream-down" },
    `The master at ${location.host} does not answer (${downError}); what this page shows may be out of date. It keeps retrying. `,
    others === null
      ? "Is the master running? To follow a leader change, open the page with ?masters=host1:5050,host2:5050."
      : `It also tries the other masters of ?masters=${others}.`,
  );
}

function App(): ComponentChild {
  const parts = route();
  return h(
    "div",
    { class: "app", "data-version": String(model.version) },
    h(
      "nav",
      null,
      h("strong", null, "Tessera"),
      [
        ...PAGES,
        ...(servicesFramework(model) === undefined ? [] : [["services", "Services"] as const]),
        ...(jobsFramework(model) === undefined ? [] : [["jobs", "Jobs"] as const]),
      ].map(([id, title]) =>
        h("a", { href: `#/${id}`, class: parts[0] === id ? "current" : "" }, title),
      ),
      statusLine(),
      authorization() === undefined
        ? null
        : h("button", { class: "logout", onClick: logout, "data-testid": "logout" }, "Log out"),
    ),
    h("main", null, streamDown(), loginNeeded() ? h(LoginForm, null) : page(parts)),
  );
}

const root = document.getElementById("app")!;
// The loading note is static HTML; preact renders beside foreign children, so it goes first.
root.textContent = "";
let drawn = -1;
let drawnHash = "";
let drawnStatus = "";
function draw(force = false): void {
  const key = `${status.kind}`;
  if (!force && drawn === model.version && drawnHash === location.hash && drawnStatus === key)
    return;
  drawn = model.version;
  drawnHash = location.hash;
  drawnStatus = key;
  render(h(App, null), root);
}

async function learnLeader(): Promise<void> {
  const response = await authFetch("/api/v1", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ type: "GET_MASTER" }),
  }).catch(() => undefined);
  if (response?.ok !== true) return;
  const body = (await response.json()) as {
    get_master?: { master_info?: { hostname?: string; port?: number } };
  };
  const info = body.get_master?.master_info;
  if (info !== undefined) leader = `${info.hostname}:${info.port}`;
  draw(true);
}

/** Failed reconnections to this page's master before another master is looked for. */
const FAILOVER_AFTER_FAILURES = 2;
const PROBE_TIMEOUT_MS = 2_000;
let failures = 0;
let failingOver = false;

/**
 * The other masters, from the page's `?masters=host:port,...`. The browser may not call
 * another origin's API, but it may go there: the first master whose `/` loads (after a
 * standby's redirect to the leader) gets the page, with the same query and hash.
 */
async function failover(): Promise<void> {
  const masters = (new URLSearchParams(location.search).get("masters") ?? "")
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "" && m !== location.host);
  for (const master of masters) {
    const url = `${location.protocol}//${master}`;
    // `/` of a standby redirects to the leader it knows, maybe the one that just died: the
    // probe follows that redirect, so it succeeds only where the page would load.
    const answered = await fetch(`${url}/`, {
      mode: "no-cors",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).then(
      () => true,
      () => false,
    );
    if (answered) {
      location.href = `${url}/${location.search}${location.hash}`;
      return;
    }
  }
}

const follow = () =>
  followMaster(model, {
    bases: () => [""],
    authorization,
    onHttpStatus: noteStatus,
    onStatus: (next) => {
      status = next;
      if (next.kind === "down") downError = next.error;
      if (next.kind === "live") downError = undefined;
      if (next.kind === "live") failures = 0;
      if (next.kind === "down" && ++failures >= FAILOVER_AFTER_FAILURES && !failingOver) {
        failingOver = true;
        void failover().finally(() => {
          failingOver = false;
        });
      }
      if (next.kind === "live") {
        model.sample(Date.now());
        void learnLeader();
      }
      draw();
    },
  });
let stopFollowing = follow();
// A login or logout: subscribe again at once with the new credential (or without one).
onAuthChange(() => {
  stopFollowing();
  stopFollowing = follow();
  draw(true);
});
setInterval(() => draw(), RENDER_INTERVAL_MS);
setInterval(() => {
  model.sample(Date.now());
  draw(true);
}, SAMPLE_INTERVAL_MS);
model.sample(Date.now());
window.addEventListener("hashchange", () => draw(true));
draw(true);
