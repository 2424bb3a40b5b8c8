// From a request body to an AppDefinition: legacy aliases rewritten (reference §1.3 "Input
// normalization"), defaults applied by the schema, then the checks that span fields. Failures
// come back in Marathon's shapes: 400 "Invalid JSON" for wrong JSON types, 422 "Object is not
// valid" with violations grouped by path (`/instances`, `/healthChecks(0)/portIndex`).
import type { z } from "zod";
import {
  type AppDefinition,
  AppDefinitionSchema,
  appPorts,
  isHostNetworking,
} from "./app-definition.ts";
import { parseConstraint } from "./constraints.ts";
import { dedicatedProblems } from "./dedicated.ts";
import { parseAppId } from "./path-id.ts";
import { tierFieldProblems } from "./tiers.ts";

export interface ValidationDetail {
  readonly path: string;
  readonly errors: string[];
}

/** A rejected definition: the HTTP status and Marathon's error body. */
export interface ValidationFailure {
  readonly status: 400 | 422;
  readonly body: { message: string; details: ValidationDetail[] };
}

export type AppParseResult =
  | { ok: true; app: AppDefinition }
  | { ok: false; failure: ValidationFailure };

export interface ParseOptions {
  /** Group relative ids are resolved against (Marathon: "/"). */
  readonly baseGroup?: string;
  /** Role for apps that name none (Marathon's `--mesos_role`, "*" by default). */
  readonly defaultRole?: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const ARCHIVE_SUFFIXES = [".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".zip"];

const DOCKER_NETWORK_MODES: Record<string, string> = {
  HOST: "host",
  BRIDGE: "container/bridge",
  USER: "container",
};

/**
 * Rewrites Marathon's legacy input forms into the current ones (a copy; the input is left
 * alone): `ports` -> `portDefinitions`, `uris` -> `fetch`, `container.docker.network` and
 * `ipAddress` -> `networks`, `container.docker.portMappings` -> `container.portMappings`,
 * numeric constraint values -> strings (Marathon refused numbers, a known pain point), and the
 * default port definition or mapping when none is given.
 */
export function normalizeAppJson(input: Json): Json {
  const app: Json = { ...input };
  if (Array.isArray(app.ports) && app.portDefinitions === undefined) {
    app.portDefinitions = app.ports.map((port) => ({ port }));
  }
  delete app.ports;
  if (Array.isArray(app.uris) && app.fetch === undefined) {
    app.fetch = app.uris.map((uri) => ({
      uri,
      extract: typeof uri === "string" && ARCHIVE_SUFFIXES.some((s) => uri.endsWith(s)),
    }));
  }
  delete app.uris;
  if (isObject(app.container)) {
    const container: Json = { ...app.container };
    if (isObject(container.docker)) {
      const docker: Json = { ...container.docker };
      if (typeof docker.network === "string" && app.networks === undefined) {
        const mode = DOCKER_NETWORK_MODES[docker.network];
        app.networks = docker.network === "NONE" || mode === undefined ? [] : [{ mode }];
      }
      if (Array.isArray(docker.portMappings) && container.portMappings === undefined) {
        container.portMappings = docker.portMappings;
      }
      delete docker.network;
      delete docker.portMappings;
      container.docker = docker;
    }
    app.container = container;
  }
  if (isObject(app.ipAddress) && app.networks === undefined) {
    const name = app.ipAddress.networkName;
    app.networks = [{ mode: "container", ...(typeof name === "string" ? { name } : {}) }];
  }
  delete app.ipAddress;
  if (Array.isArray(app.constraints)) {
    app.constraints = app.constraints.map((c) =>
      Array.isArray(c) ? c.map((x) => (typeof x === "number" ? String(x) : x)) : c,
    );
  }
  const networks = Array.isArray(app.networks) ? app.networks : [];
  const host = networks.every((n) => !isObject(n) || n.mode === undefined || n.mode === "host");
  if (host && app.portDefinitions === undefined) {
    app.portDefinitions = [{ port: 0, name: "default" }];
  }
  if (!host && isObject(app.container) && app.container.portMappings === undefined) {
    app.container = { ...app.container, portMappings: [{ containerPort: 0, name: "default" }] };
  }
  return app;
}

/** `["healthChecks", 0, "portIndex"]` -> `/healthChecks(0)/portIndex`, as Marathon writes it. */
export function marathonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `(${part})` : `/${String(part)}`;
  }
  return out === "" ? "/" : out;
}

class Violations {
  private readonly byPath = new Map<string, string[]>();
  add(path: string, error: string): void {
    const list = this.byPath.get(path) ?? [];
    if (!list.includes(error)) list.push(error);
    this.byPath.set(path, list);
  }
  get empty(): boolean {
    return this.byPath.size === 0;
  }
  details(): ValidationDetail[] {
    return [...this.byPath].map(([path, errors]) => ({ path, errors }));
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key as string];
  }
  return v;
}

const JS_TYPE_NAMES: Record<string, string> = {
  string: "jsstring",
  number: "jsnumber",
  int: "jsnumber",
  boolean: "jsboolean",
  array: "jsarray",
  object: "jsobject",
  record: "jsobject",
};

/** Maps zod issues to Marathon's messages; type errors make the whole answer a 400. */
function fromZod(error: z.ZodError, input: unknown): ValidationFailure {
  const violations = new Violations();
  let typeError = false;
  for (const issue of error.issues) {
    const path = marathonPath(issue.path);
    const got = valueAt(input, issue.path);
    switch (issue.code) {
      case "invalid_type":
        // A required field left out is a validation error (422), as Marathon answers it; a
        // value of the wrong JSON type is unparsable (400).
        if (got === undefined) {
          violations.add(path, "error.path.missing");
          break;
        }
        typeError = true;
        violations.add(path, `error.expected.${JS_TYPE_NAMES[issue.expected] ?? "jsvalue"}`);
        break;
      case "too_small":
        if (typeof got === "number") {
          violations.add(path, `got ${got}, expected ${String(issue.minimum)} or more`);
        } else violations.add(path, `must not be empty`);
        break;
      case "too_big":
        violations.add(path, `is greater than ${String(issue.maximum)}`);
        break;
      case "invalid_value":
        violations.add(path, `is not one of (${issue.values.map(String).join(",")})`);
        break;
      case "invalid_union":
        typeError = typeError || got === undefined || typeof got !== "object";
        violations.add(path, "is not a valid value");
        break;
      default:
        violations.add(path, issue.message);
    }
  }
  const message = typeError ? "Invalid JSON" : "Object is not valid";
  return { status: typeError ? 400 : 422, body: { message, details: violations.details() } };
}

/** Marathon's 400 for a value of the wrong JSON type at `path`. */
export function invalidJson(path: string, error: string): ValidationFailure {
  return { status: 400, body: { message: "Invalid JSON", details: [{ path, errors: [error] }] } };
}

const NEEDS_COMMAND =
  "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.";
const PORT_INDEX =
  "Health check port indices must address an element of the ports array or container port mappings.";

/** The checks across fields (reference §1.3 "Validation highlights"). */
function semanticChecks(app: AppDefinition, violations: Violations): void {
  const hasCmd = app.cmd !== undefined;
  const hasArgs = app.args !== undefined;
  // A Thermos app's command is its task's processes.
  const runs = app.container !== undefined || app.thermos !== undefined;
  if ((hasCmd && hasArgs) || (!hasCmd && !hasArgs && !runs)) {
    violations.add("/", NEEDS_COMMAND);
  }
  if (hasCmd && app.cmd === "") violations.add("/cmd", "must not be empty");
  for (const p of [...tierFieldProblems(app), ...dedicatedProblems(app)])
    violations.add(p.path, p.message);
  if (app.gpus > 0 && app.container !== undefined && app.container.type === "DOCKER") {
    violations.add("/gpus", "GPU resources only work with the Mesos containerizer");
  }
  if (app.container?.type === "DOCKER" && app.container.docker === undefined) {
    violations.add("/container/docker", "must not be empty");
  }
  const portCount = isHostNetworking(app)
    ? (app.portDefinitions ?? []).length
    : (app.container?.portMappings ?? []).length;
  const names = isHostNetworking(app)
    ? (app.portDefinitions ?? []).map((p) => p.name)
    : (app.container?.portMappings ?? []).map((p) => p.name);
  const named = names.filter((n): n is string => n !== undefined);
  if (new Set(named).size !== named.length) {
    violations.add(
      isHostNetworking(app) ? "/portDefinitions" : "/container/portMappings",
      "Port names must be unique.",
    );
  }
  let mesosLevel = 0;
  let marathonLevel = 0;
  app.healthChecks.forEach((hc, i) => {
    const at = `/healthChecks(${i})`;
    if (hc.protocol === "COMMAND") {
      if (hc.command === undefined)
        violations.add(`${at}/command`, "is required for COMMAND health checks");
    } else if (hc.port === undefined && (hc.portIndex ?? 0) >= portCount) {
      violations.add(at, PORT_INDEX);
    }
    if (hc.protocol === "COMMAND" || hc.protocol.startsWith("MESOS_")) mesosLevel += 1;
    else marathonLevel += 1;
  });
  if (mesosLevel > 1)
    violations.add("/healthChecks", "AppDefinition can only have one Mesos health check");
  if (mesosLevel > 0 && marathonLevel > 0) {
    violations.add(
      "/healthChecks",
      "AppDefinition cannot mix Marathon- and Mesos-level health checks",
    );
  }
  if (app.readinessChecks.length > 1) {
    violations.add("/readinessChecks", "Only one readiness check is supported");
  }
  app.readinessChecks.forEach((rc, i) => {
    // The check reaches the task on the host port of the named port (Marathon's rule).
    const names = appPorts(app).map((p) => p.name);
    if (!names.includes(rc.portName)) {
      violations.add(
        `/readinessChecks(${i})/portName`,
        `No port definition reference for portName ${rc.portName}`,
      );
    }
  });
  app.constraints.forEach((raw, i) => {
    const parsed = parseConstraint(raw);
    if (!parsed.ok) violations.add(`/constraints(${i})`, parsed.message);
  });
  if (app.unreachableStrategy !== "disabled") {
    const { inactiveAfterSeconds, expungeAfterSeconds } = app.unreachableStrategy;
    if (expungeAfterSeconds < inactiveAfterSeconds) {
      violations.add(
        "/unreachableStrategy/expungeAfterSeconds",
        "expungeAfterSeconds must be greater than or equal to inactiveAfterSeconds",
      );
    }
  }
  if (app.acceptedResourceRoles !== undefined) {
    if (new Set(app.acceptedResourceRoles).size !== app.acceptedResourceRoles.length) {
      violations.add("/acceptedResourceRoles", "elements must be unique");
    }
  }
  if (app.executor !== "" && !/^(\/\/cmd)|(\/?[^/]+(\/[^/]+)*)$/.test(app.executor)) {
    violations.add(
      "/executor",
      "must fully match regular expression '^(//cmd)|(/?[^/]+(/[^/]+)*)|$'",
    );
  }
}

/** Parses and validates one app definition (a request body already parsed as JSON). */
export function parseAppDefinition(input: unknown, options: ParseOptions = {}): AppParseResult {
  if (!isObject(input)) return { ok: false, failure: invalidJson("/", "error.expected.jsobject") };
  const normalized = normalizeAppJson(input);
  const parsed = AppDefinitionSchema.safeParse(normalized);
  if (!parsed.success) return { ok: false, failure: fromZod(parsed.error, normalized) };
  const violations = new Violations();
  const { version: _inputVersion, ...raw } = parsed.data;
  const id = parseAppId(raw.id, options.baseGroup ?? "/");
  if (!id.ok) violations.add("/id", id.message);
  const dependencies: string[] = [];
  raw.dependencies.forEach((dep, i) => {
    const resolved = parseAppId(dep, options.baseGroup ?? "/");
    if (resolved.ok) dependencies.push(resolved.id);
    else violations.add(`/dependencies(${i})`, resolved.message);
  });
  const app: AppDefinition = {
    ...raw,
    id: id.ok ? id.id : raw.id,
    dependencies,
    role: raw.role ?? options.defaultRole ?? "*",
  };
  semanticChecks(app, violations);
  if (!violations.empty) {
    return {
      ok: false,
      failure: {
        status: 422,
        body: { message: "Object is not valid", details: violations.details() },
      },
    };
  }
  return { ok: true, app };
}

/** Parses request text as JSON; Marathon answers unparsable bodies with 400 "Invalid JSON". */
export function parseJsonText(
  text: string,
): { ok: true; value: unknown } | { ok: false; failure: ValidationFailure } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      failure: {
        status: 400,
        body: {
          message: "Invalid JSON",
          details: [{ path: "/", errors: [String((error as Error).message)] }],
        },
      },
    };
  }
}
