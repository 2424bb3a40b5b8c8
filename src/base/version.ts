import { readFileSync } from "node:fs";

const packageJson = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as { version: string };

/** The Tessera release, reported by `tessera --version` and the /version endpoints. */
export const TESSERA_VERSION: string = packageJson.version;

export { MESOS_COMPATIBLE_VERSION } from "./mesos-version.ts";
