// A Docker image reference (`busybox`, `busybox:1.36`, `org/app@sha256:…`,
// `127.0.0.1:5000/org/app:1`) split into registry host, repository and tag or digest, with
// Docker's rules: the first component is a host when it holds a `.` or `:` or is `localhost`;
// Docker Hub's one-component names live under `library/` (MESOS-4877). Pure.

export interface ImageReference {
  /** The name as the task gave it (the tarball puller opens `<dir>/<name>.tar` with it). */
  readonly name: string;
  /** Registry host[:port] named in the reference, if any. */
  readonly host: string | undefined;
  readonly repository: string;
  /** The tag, or `latest`; unused when `digest` is set. */
  readonly tag: string;
  readonly digest: string | undefined;
}

const DOCKER_HUB_HOSTS = new Set(["registry-1.docker.io", "docker.io", "index.docker.io"]);

export function parseImageReference(name: string): ImageReference | undefined {
  if (name === "" || /\s/.test(name)) return undefined;
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
  }
  let tag = "latest";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  let host: string | undefined;
  const first = parts[0] ?? "";
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    host = first;
    parts.shift();
  }
  const repository = parts.join("/");
  if (repository === "" || tag === "" || !/^[a-z0-9._/-]+$/.test(repository)) return undefined;
  return { name, host, repository, tag, digest };
}

/** The repository path a registry serves: Docker Hub puts one-component names in `library/`. */
export function registryRepository(ref: ImageReference, registryHost: string): string {
  const hub = DOCKER_HUB_HOSTS.has(registryHost);
  return hub && !ref.repository.includes("/") ? `library/${ref.repository}` : ref.repository;
}

/** The tag or digest to ask a registry for. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag;
}
