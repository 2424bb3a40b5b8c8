// Registry and OCI manifests (Docker schema 2, OCI image manifest, and beyond Mesos, which
// refuses them, Docker manifest lists and OCI indexes resolved to linux/amd64). Pure.

export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.index.v1+json",
] as const;

export type Manifest =
  | { readonly kind: "image"; readonly config: string; readonly layers: readonly string[] }
  | {
      readonly kind: "index";
      readonly entries: readonly { digest: string; os?: string; architecture?: string }[];
    };

interface Descriptor {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string };
}

/** Reads a manifest; `contentType` (a registry's header) wins over the body's mediaType. */
export function parseManifest(json: unknown, contentType: string | undefined): Manifest {
  const body = (typeof json === "object" && json !== null ? json : {}) as {
    schemaVersion?: number;
    mediaType?: string;
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const type = contentType?.split(";")[0]?.trim() || body.mediaType;
  if (body.schemaVersion === 1) throw new Error("schema 1 manifests are not supported");
  if (
    Array.isArray(body.manifests) ||
    type?.endsWith("list.v2+json") ||
    type?.endsWith("index.v1+json")
  ) {
    return {
      kind: "index",
      entries: (body.manifests ?? []).flatMap((m) =>
        typeof m.digest === "string"
          ? [{ digest: m.digest, os: m.platform?.os, architecture: m.platform?.architecture }]
          : [],
      ),
    };
  }
  const config = body.config?.digest;
  if (typeof config !== "string" || !Array.isArray(body.layers)) {
    throw new Error(`manifest of type '${type ?? "unknown"}' has no config or layers`);
  }
  const layers = body.layers.map((l) => {
    if (typeof l.digest !== "string") throw new Error("a manifest layer has no digest");
    return l.digest;
  });
  return { kind: "image", config, layers };
}

/** The linux/amd64 entry of an index; an entry without a platform counts when it is alone. */
export function pickPlatform(index: Extract<Manifest, { kind: "index" }>): string | undefined {
  const exact = index.entries.find((e) => e.os === "linux" && e.architecture === "amd64");
  if (exact !== undefined) return exact.digest;
  const only = index.entries.length === 1 ? index.entries[0] : undefined;
  return only !== undefined && only.os === undefined ? only.digest : undefined;
}
