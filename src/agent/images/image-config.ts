// The parts of an image's runtime configuration (Docker image spec / OCI image config) that
// Mesos's docker/runtime isolator uses (containers.md §2): Env, Entrypoint, Cmd, WorkingDir
// and User (ignored with a warning, as Mesos does). Pure: parses JSON already read.

export interface ImageRuntimeConfig {
  readonly env: readonly string[];
  readonly entrypoint: readonly string[] | undefined;
  readonly cmd: readonly string[] | undefined;
  readonly workingDir: string | undefined;
  readonly user: string | undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads `config` (or Mesos's layer-json `container_config` fallback) of an image config. */
export function parseImageConfig(json: unknown): ImageRuntimeConfig {
  const top = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const raw = top.config ?? top.container_config;
  const c = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  return {
    env: strings(c.Env) ?? [],
    entrypoint: strings(c.Entrypoint),
    cmd: strings(c.Cmd),
    workingDir: text(c.WorkingDir),
    user: text(c.User),
  };
}
