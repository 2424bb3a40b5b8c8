// HTTP authentication for the UI: when the master requires it (--authenticate_http_readonly /
// _readwrite, `tessera dev --secure`), a 401 shows the login form; the Basic credential the
// user gives is kept in sessionStorage (gone when the tab closes) and sent on every request,
// the event stream included. Requests go with `credentials: "omit"`, so the browser never
// shows its own password dialog for a 401: the page's form is the one way in.
import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";

const STORAGE_KEY = "tessera.authorization";

let needed = false;
let listener: () => void = () => {};

/** The stored `Basic …` header value, or undefined before a login. */
export function authorization(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

/** True once the master answered 401: the page shows the login form. */
export function loginNeeded(): boolean {
  return needed;
}

/** Called when the login state changes (main.ts redraws and reconnects). */
export function onAuthChange(f: () => void): void {
  listener = f;
}

/** Records a 401 from any request: the credential is missing or wrong. */
export function noteStatus(status: number): void {
  if (status === 401 && !needed) {
    needed = true;
    listener();
  }
}

/** fetch with the stored credential; a 401 brings up the login form. */
export async function authFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const auth = authorization();
  if (auth !== undefined) headers.set("Authorization", auth);
  const response = await fetch(input, { ...init, headers, credentials: "omit" });
  noteStatus(response.status);
  return response;
}

function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** Tries the credential on a read-only endpoint; keeps it when the master takes it. */
async function login(user: string, password: string): Promise<string> {
  const candidate = basic(user, password);
  const r = await fetch("/master/state-summary", {
    headers: { Authorization: candidate },
    credentials: "omit",
  }).catch((e: unknown) => String(e));
  if (typeof r === "string") return `cannot reach the master: ${r}`;
  if (r.status === 401) return "The master refused this user and password.";
  if (!r.ok && r.status !== 403) return `The master answered ${r.status}.`;
  sessionStorage.setItem(STORAGE_KEY, candidate);
  needed = false;
  listener();
  return "";
}

export function logout(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  listener();
}

export function LoginForm(): ComponentChild {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(await login(user, password));
  };
  const input = (name: string, type: string, value: string, set: (v: string) => void) =>
    h(
      "label",
      null,
      `${name} `,
      h("input", {
        type,
        name,
        value,
        "data-testid": `login-${name}`,
        onInput: (e: Event) => set((e.currentTarget as HTMLInputElement).value),
      }),
    );
  return h(
    "div",
    { class: "page", "data-testid": "login" },
    h("h2", null, "Log in"),
    h(
      "p",
      null,
      "This master requires HTTP authentication: give a principal and its secret from its credentials (`tessera dev --secure` prints the operator's).",
    ),
    h(
      "form",
      { class: "filters", onSubmit: (e: Event) => void submit(e) },
      input("user", "text", user, setUser),
      input("password", "password", password, setPassword),
      h("button", { type: "submit", "data-testid": "login-submit" }, "Log in"),
    ),
    error === "" ? null : h("p", { class: "error", "data-testid": "login-error" }, error),
  );
}
