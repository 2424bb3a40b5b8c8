// The sandbox browser: an executor's latest run directory listed through the master's
// `/files/agent/<id>/…` proxy (the browser never talks to an agent), a file viewer that
// follows the file's end while it grows (tail), and a download link.
import { type ComponentChild, h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { authFetch, authorization } from "./auth.ts";
import { mb, time } from "./format.ts";

/** How often the viewer asks for bytes past what it has (the files API has no push). */
const TAIL_INTERVAL_MS = 1_000;
/** Bytes asked for per read: the agent's own cap. */
const READ_BYTES = 64 * 1024;
/** The most of a file the viewer keeps; older text is dropped from the top. */
const VIEW_MAX_CHARS = 512 * 1024;

/**
 * Downloads through fetch when the page holds a credential: a plain link would go without the
 * Authorization header and meet the browser's own password dialog.
 */
function download(e: Event, url: string, path: string): void {
  if (authorization() === undefined) return;
  e.preventDefault();
  void authFetch(url)
    .then((r) => r.blob())
    .then((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = path.split("/").at(-1) ?? "file";
      a.click();
      URL.revokeObjectURL(a.href);
    });
}

interface Entry {
  path: string;
  mode: string;
  size: number;
  mtime: number;
}

export function filesUrl(
  agentId: string,
  op: string,
  params: Record<string, string | number>,
): string {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return `/files/agent/${encodeURIComponent(agentId)}/${op}?${query}`;
}

async function browse(agentId: string, path: string): Promise<Entry[] | string> {
  const r = await authFetch(filesUrl(agentId, "browse", { path })).catch((e: unknown) => String(e));
  if (typeof r === "string") return r;
  if (!r.ok) return `${r.status} ${(await r.text()).trim()}`;
  return (await r.json()) as Entry[];
}

/** The run directory: `runs/latest` while the agent keeps that link, else the newest run. */
export async function runDirectory(
  agentId: string,
  frameworkId: string,
  executorId: string,
): Promise<string | undefined> {
  const runs = `/frameworks/${frameworkId}/executors/${executorId}/runs`;
  const latest = await browse(agentId, `${runs}/latest`);
  if (typeof latest !== "string") return `${runs}/latest`;
  const listing = await browse(agentId, runs);
  if (typeof listing === "string") return undefined;
  const newest = listing
    .filter((e) => e.mode.startsWith("d") && !e.path.endsWith("/latest"))
    .sort((a, b) => b.mtime - a.mtime)[0];
  return newest?.path;
}

function Viewer({ agentId, path }: { agentId: string; path: string }): ComponentChild {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  useEffect(() => {
    let offset = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setText("");
    const poll = async () => {
      const r = await authFetch(
        filesUrl(agentId, "read", { path, offset, length: READ_BYTES }),
      ).catch(() => undefined);
      if (stopped) return;
      if (r?.ok === true) {
        const chunk = (await r.json()) as { data: string; offset: number };
        if (chunk.data.length > 0) {
          offset = chunk.offset + new TextEncoder().encode(chunk.data).length;
          setText((old) => (old + chunk.data).slice(-VIEW_MAX_CHARS));
          timer = setTimeout(poll, 0);
          return;
        }
        setError("");
      } else {
        setError(
          r === undefined ? "the master cannot be reached" : `${r.status} ${await r.text()}`,
        );
      }
      timer = setTimeout(poll, TAIL_INTERVAL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [agentId, path]);
  return h(
    "section",
    { class: "viewer" },
    h(
      "h3",
      null,
      path.split("/").at(-1),
      " ",
      h(
        "a",
        {
          href: filesUrl(agentId, "download", { path }),
          download: "",
          onClick: (e: Event) => download(e, filesUrl(agentId, "download", { path }), path),
        },
        "download",
      ),
    ),
    error === "" ? null : h("p", { class: "error" }, error),
    h("pre", { "data-testid": "file-content" }, text),
  );
}

/** The sandbox's URL, optionally at a directory below its run directory. */
export function sandboxHref(
  agentId: string,
  frameworkId: string,
  executorId: string,
  sub = "",
): string {
  const parts = [agentId, frameworkId, executorId].map(encodeURIComponent);
  const below = sub
    .split("/")
    .filter((p) => p !== "")
    .map(encodeURIComponent);
  return `#/sandbox/${[...parts, ...below].join("/")}`;
}

function entryRow(e: Entry, openDir: (path: string) => void, openFile: (path: string) => void) {
  const name = e.path.split("/").at(-1) ?? e.path;
  const dir = e.mode.startsWith("d");
  return h(
    "tr",
    { key: e.path },
    h(
      "td",
      null,
      h(
        "a",
        {
          href: "javascript:void 0",
          ...(dir ? { "data-dir": name } : { "data-file": name }),
          onClick: () => (dir ? openDir(e.path) : openFile(e.path)),
        },
        dir ? `${name}/` : name,
      ),
    ),
    h("td", null, e.mode),
    h("td", { class: "num" }, mb(e.size / (1024 * 1024))),
    h("td", null, time(e.mtime)),
  );
}

export function Sandbox(props: {
  agentId: string;
  frameworkId: string;
  executorId: string;
  /** A directory below the run directory (the URL's rest), "" for the run directory. */
  sub?: string;
}): ComponentChild {
  const [root, setRoot] = useState<string | undefined>();
  const [entries, setEntries] = useState<Entry[] | string>("loading…");
  const [open, setOpen] = useState<string | undefined>();
  const sub = (props.sub ?? "").replace(/^\/+|\/+$/g, "");
  useEffect(() => {
    void (async () => {
      const found = await runDirectory(props.agentId, props.frameworkId, props.executorId);
      if (found === undefined) {
        setEntries(
          "The sandbox is not on its agent any more (garbage-collected?), or the agent is gone.",
        );
        return;
      }
      setRoot(found);
    })();
  }, [props.agentId, props.frameworkId, props.executorId]);
  const dir = root === undefined ? undefined : sub === "" ? root : `${root}/${sub}`;
  useEffect(() => {
    if (dir === undefined) return;
    setEntries("loading…");
    void browse(props.agentId, dir).then(setEntries);
  }, [props.agentId, dir]);
  const go = (below: string) => {
    location.hash = sandboxHref(props.agentId, props.frameworkId, props.executorId, below);
  };
  // A directory's path below the run directory, from the path the agent listed it by.
  const below = (path: string) =>
    root !== undefined && path.startsWith(`${root}/`)
      ? path.slice(root.length + 1)
      : `${sub}/${path.split("/").at(-1)}`;
  return h(
    "div",
    { class: "page", "data-testid": "sandbox" },
    h("h2", null, "Sandbox of ", h("code", null, props.executorId)),
    h(
      "p",
      null,
      "agent ",
      h("code", null, props.agentId),
      root === undefined ? "" : ` · ${root}`,
      sub === "" ? "" : h("span", { "data-testid": "sandbox-dir" }, ` / ${sub}`),
    ),
    typeof entries === "string"
      ? h("p", { class: "empty" }, entries)
      : h(
          "table",
          { class: "files", "data-testid": "sandbox-files" },
          h(
            "tr",
            null,
            ["name", "mode", "size", "modified"].map((c) => h("th", null, c)),
          ),
          sub === ""
            ? null
            : h(
                "tr",
                { key: ".." },
                h(
                  "td",
                  { colSpan: 4 },
                  h(
                    "a",
                    {
                      href: "javascript:void 0",
                      "data-dir": "..",
                      onClick: () => go(sub.split("/").slice(0, -1).join("/")),
                    },
                    "../",
                  ),
                ),
              ),
          entries.length === 0
            ? h("tr", null, h("td", { colSpan: 4, class: "empty" }, "This directory is empty."))
            : entries.map((e) => entryRow(e, (path) => go(below(path)), setOpen)),
        ),
    open === undefined ? null : h(Viewer, { agentId: props.agentId, path: open }),
  );
}
