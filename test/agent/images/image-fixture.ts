// Builds a busybox image offline (containers.md §6) from the host's static /usr/bin/busybox:
// layer 1 has bin/busybox and its links, etc/{passwd,removeme}, opt/dir/{a,b}, empty tmp,
// proc, dev and mnt/mesos/sandbox; layer 2 whites out etc/removeme and makes opt/dir opaque
// with a new opt/dir/c. Written as a `docker save` archive, a Mesos-layout archive (no
// manifest.json), an OCI layout directory (for skopeo to push to a registry) and an OCI
// layout archive; optionally with many more layers. Layers are tarred by the system tar with fixed owners and mtimes, so the
// digests are reproducible.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const BUSYBOX = "/usr/bin/busybox";

export function busyboxUnavailable(): string | undefined {
  if (!existsSync(BUSYBOX))
    return "no static busybox at /usr/bin/busybox (apt-get install busybox-static)";
  return undefined;
}

export interface ImageConfigFields {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
}

export interface BuiltImage {
  /** Directory of archives, as `--docker_registry=<dir>` reads it. */
  readonly tarballDir: string;
  /** An OCI layout directory (`oci:<dir>:<tag>` for skopeo). */
  readonly ociDir: string;
  readonly layerDigests: readonly string[];
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function tarDir(dir: string, out: string): void {
  execFileSync("bash", [
    "-c",
    `cd "${dir}" && find . -mindepth 1 | sort | tar --no-recursion --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "${out}" -T -`,
  ]);
}

function buildLayers(work: string): string[] {
  const l1 = join(work, "l1");
  for (const d of ["bin", "etc", "opt/dir", "tmp", "proc", "dev", "sys", "mnt/mesos/sandbox"]) {
    mkdirSync(join(l1, d), { recursive: true });
  }
  writeFileSync(join(l1, "bin/busybox"), readFileSync(BUSYBOX), { mode: 0o755 });
  for (const app of [
    "sh",
    "cat",
    "ls",
    "echo",
    "true",
    "false",
    "sleep",
    "env",
    "pwd",
    "test",
    "touch",
    "id",
  ]) {
    symlinkSync("busybox", join(l1, "bin", app));
  }
  writeFileSync(join(l1, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(l1, "etc/removeme"), "gone\n");
  writeFileSync(join(l1, "etc/image-marker"), "from-the-image\n");
  writeFileSync(join(l1, "opt/dir/a"), "a\n");
  writeFileSync(join(l1, "opt/dir/b"), "b\n");
  const l2 = join(work, "l2");
  mkdirSync(join(l2, "etc"), { recursive: true });
  mkdirSync(join(l2, "opt/dir"), { recursive: true });
  writeFileSync(join(l2, "etc/.wh.removeme"), "");
  writeFileSync(join(l2, "opt/dir/.wh..wh..opq"), "");
  writeFileSync(join(l2, "opt/dir/c"), "c\n");
  const tars = [join(work, "l1.tar"), join(work, "l2.tar")];
  tarDir(l1, tars[0] as string);
  tarDir(l2, tars[1] as string);
  return tars;
}

/** `n` more layers (images of 100+ layers, containers.md §7): layer i adds /layers/<i> and
 *  whites out /layers/<i-1>, so only the last one's file is left. */
function numberedLayers(work: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const dir = join(work, `n${i}`);
    mkdirSync(join(dir, "layers"), { recursive: true });
    writeFileSync(join(dir, "layers", String(i)), `${i}\n`);
    if (i > 1) writeFileSync(join(dir, "layers", `.wh.${i - 1}`), "");
    out.push(join(work, `n${i}.tar`));
    tarDir(dir, out[out.length - 1] as string);
  }
  return out;
}

function dockerSave(
  work: string,
  layers: Buffer[],
  config: Buffer,
  withManifest: boolean,
  out: string,
) {
  const root = join(work, withManifest ? "save" : "mesos");
  mkdirSync(root, { recursive: true });
  const configName = `${sha256(config)}.json`;
  writeFileSync(join(root, configName), config);
  const ids: string[] = [];
  let parent: string | undefined;
  for (const [i, layer] of layers.entries()) {
    const id = sha256(`${parent ?? ""}${sha256(layer)}`);
    mkdirSync(join(root, id));
    writeFileSync(join(root, id, "VERSION"), "1.0");
    writeFileSync(join(root, id, "layer.tar"), layer);
    const top = i === layers.length - 1;
    const json: Record<string, unknown> = { id, ...(parent === undefined ? {} : { parent }) };
    if (top) json.config = JSON.parse(config.toString()).config;
    writeFileSync(join(root, id, "json"), JSON.stringify(json));
    ids.push(id);
    parent = id;
  }
  writeFileSync(join(root, "repositories"), JSON.stringify({ busybox: { latest: parent } }));
  if (withManifest) {
    writeFileSync(
      join(root, "manifest.json"),
      JSON.stringify([
        {
          Config: configName,
          RepoTags: ["busybox:latest"],
          Layers: ids.map((id) => `${id}/layer.tar`),
        },
      ]),
    );
  }
  tarDir(root, out);
}

function ociLayout(work: string, layers: Buffer[], config: Buffer): string {
  const root = join(work, "oci");
  const blobs = join(root, "blobs/sha256");
  mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer) => {
    const hex = sha256(data);
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const gz = layers.map((l) => execFileSync("gzip", ["-n", "-c"], { input: l }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...blob(config) },
      layers: gz.map((g) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        ...blob(g),
      })),
    }),
  );
  const m = blob(manifest);
  writeFileSync(join(root, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(root, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...m,
          platform: { os: "linux", architecture: "amd64" },
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  return root;
}

/** Builds the image under `work` with the given runtime config; archives named `<name>.tar`. */
export function buildBusyboxImage(
  work: string,
  fields: ImageConfigFields = {},
  moreLayers = 0,
): BuiltImage {
  const tars = [...buildLayers(work), ...numberedLayers(work, moreLayers)].map((p) =>
    readFileSync(p),
  );
  const diffIds = tars.map((t) => `sha256:${sha256(t)}`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Env: ["PATH=/bin", "IMAGE_VAR=image"], Cmd: ["/bin/sh"], ...fields },
      rootfs: { type: "layers", diff_ids: diffIds },
      history: tars.map(() => ({ created_by: "tessera test" })),
    }),
  );
  const tarballDir = join(work, "tarballs");
  mkdirSync(join(tarballDir, "mesos"), { recursive: true });
  mkdirSync(join(tarballDir, "oci"), { recursive: true });
  dockerSave(work, tars, config, true, join(tarballDir, "busybox:latest.tar"));
  dockerSave(work, tars, config, false, join(tarballDir, "mesos", "busybox.tar"));
  const ociDir = ociLayout(work, tars, config);
  tarDir(ociDir, join(tarballDir, "oci", "busybox:latest.tar"));
  return { tarballDir, ociDir, layerDigests: diffIds };
}
