// The flags both daemons read their authorizer from: `--authorizers` (only Mesos's `local`)
// and `--acls` (JSON or a file holding it, acls.ts). A bad value is the flag's error.
import type { FlagReader } from "../base/flag-parsing.ts";
import { type Acls, parseAcls } from "./acls.ts";

/** `--acls` under `--authorizers=local`; `shown` gets the values /flags reports. */
export function readAclFlags(r: FlagReader, shown: Record<string, string>): Acls | undefined {
  const authorizers = r.str("authorizers") ?? "local";
  shown.authorizers = authorizers;
  if (authorizers !== "local") {
    r.fail("authorizers", `'${authorizers}' is not an authorizer here (local)`);
  }
  const text = r.str("acls");
  if (text === undefined) return undefined;
  shown.acls = text.trim();
  const parsed = parseAcls(text);
  if (parsed.ok) return parsed.acls;
  r.fail("acls", parsed.message);
  return undefined;
}
