// The services page's app editor: an app definition as JSON, checked in the page for the
// mistakes the services API would refuse (app-check.ts) before it is sent with PUT /v2/apps/<id>;
// the API's own refusal is shown for the rest. Also the one call helper of the services page.
import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";
import { appProblem } from "./app-check.ts";
import { authFetch } from "./auth.ts";

/** One call to the services API through the relay at `base`; the answer parsed as JSON. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const r = await authFetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${r.status}: ${text.slice(0, 300)}`);
  return text === "" ? undefined : JSON.parse(text);
}

export const TEMPLATE = JSON.stringify(
  {
    id: "/hello",
    cmd: "python3 -m http.server $PORT0",
    cpus: 0.1,
    mem: 32,
    instances: 1,
    portDefinitions: [{ port: 0 }],
  },
  null,
  2,
);

export function Editor({
  base,
  initial,
  onDone,
}: {
  base: string;
  initial: string;
  onDone: (message: string) => void;
}): ComponentChild {
  const [text, setText] = useState(initial);
  const [error, setError] = useState("");
  const submit = async () => {
    let app: { id: string };
    try {
      app = JSON.parse(text) as { id: string };
    } catch (e) {
      setError(`not JSON: ${String(e)}`);
      return;
    }
    const problem = appProblem(app);
    if (problem !== undefined) {
      setError(problem);
      return;
    }
    try {
      await call(base, "PUT", `/v2/apps${app.id.startsWith("/") ? "" : "/"}${app.id}`, app);
      onDone(`deploying ${app.id}`);
    } catch (e) {
      setError(String(e));
    }
  };
  return h(
    "section",
    { class: "editor" },
    h("textarea", {
      rows: 12,
      cols: 80,
      value: text,
      "data-testid": "app-json",
      onInput: (e: Event) => setText((e.currentTarget as HTMLTextAreaElement).value),
    }),
    h(
      "div",
      null,
      h("button", { onClick: () => void submit(), "data-testid": "app-submit" }, "Deploy"),
      " ",
      h("button", { "data-testid": "app-cancel", onClick: () => onDone("") }, "Cancel"),
    ),
    error === "" ? null : h("p", { class: "error", "data-testid": "app-error" }, error),
  );
}
