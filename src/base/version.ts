import { readFileSync } from "node:fs";

const packageJson = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as { version: string };

/** The Tessera release, reported by `tessera --version` and the /version endpoints. */
export const TESSERA_VERSION: string = packageJson.version;

/** The Mesos release whose v1 APIs Tessera speaks; clients compare against this. */
export const MESOS_COMPATIBLE_VERSION = "1.11.0";
