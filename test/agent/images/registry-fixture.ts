// A real Docker registry (Debian's docker-registry) on loopback with its own config and
// storage, fed by skopeo from an OCI layout directory; stopped (by pid) and removed after.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../support/cluster.ts";
import { eventually } from "../../support/eventually.ts";

export interface Registry {
  readonly url: string;
  readonly host: string;
  push(ociDir: string, name: string): void;
  stop(): Promise<void>;
}

export function registryUnavailable(): string | undefined {
  for (const bin of ["/usr/bin/docker-registry", "/usr/bin/skopeo"]) {
    if (!existsSync(bin)) return `${bin} missing (apt-get install docker-registry skopeo)`;
  }
  return undefined;
}

export async function startRegistry(work: string): Promise<Registry> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  mkdirSync(join(work, "storage"), { recursive: true });
  const config = join(work, "registry.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, "storage")}\nhttp:\n  addr: ${host}\n`,
  );
  const child: ChildProcess = spawn("/usr/bin/docker-registry", ["serve", config], {
    stdio: "ignore",
  });
  await eventually(
    "the registry to answer",
    async () => (await fetch(`http://${host}/v2/`).catch(() => undefined))?.status === 200,
    { timeoutMs: 30_000 },
  );
  return {
    url: `http://${host}`,
    host,
    push(ociDir, name) {
      execFileSync("skopeo", [
        "copy",
        "--insecure-policy",
        "--dest-tls-verify=false",
        `oci:${ociDir}:latest`,
        `docker://${host}/${name}`,
      ]);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(join(work, "storage"), { recursive: true, force: true });
    },
  };
}
