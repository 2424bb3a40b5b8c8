// Aurora's dedicated hosts (reference §3.1 "Constraints"): an agent with the attribute
// `dedicated` = `role/name` (or `*/name`) is kept for the apps that ask for it with a
// constraint on the `dedicated` field, and only those of the named role (`*` = any role) may
// use it. The constraint itself is an ordinary one (`["dedicated", "IS", "web/cache"]`, or LIKE),
// checked with the others in constraints.ts; this adds what Marathon's constraints cannot say:
// that the agent refuses everything else, and that the role must match.
import type { AppDefinition } from "./app-definition.ts";
import { type AgentFacts, fieldValue } from "./constraints.ts";

export const DEDICATED_ATTRIBUTE = "dedicated";

/** Whether the app asks for dedicated hosts (such apps are also outside quota, as in Aurora). */
export function isDedicatedApp(app: Pick<AppDefinition, "constraints">): boolean {
  return app.constraints.some((c) => c[0] === DEDICATED_ATTRIBUTE);
}

/** The role part of a `role/name` dedicated value; undefined when it has no slash. */
function dedicatedRole(value: string): string | undefined {
  const slash = value.indexOf("/");
  return slash <= 0 ? undefined : value.slice(0, slash);
}

/** Ok, or why `agent` may not run `app` because of dedication. */
export function checkDedicated(
  app: Pick<AppDefinition, "constraints" | "role">,
  agent: AgentFacts,
): { ok: true } | { ok: false; reason: string } {
  const value = fieldValue(DEDICATED_ATTRIBUTE, agent);
  if (value === undefined) return { ok: true };
  if (!isDedicatedApp(app))
    return {
      ok: false,
      reason: `agent is dedicated to '${value}' and the app asks for no dedicated host`,
    };
  const role = dedicatedRole(value);
  if (role !== "*" && role !== app.role)
    return {
      ok: false,
      reason: `agent is dedicated to '${value}', the app runs as role '${app.role}'`,
    };
  return { ok: true };
}

/** Checks for the 422 details: an `IS` dedicated constraint must name the app's role (or `*`). */
export function dedicatedProblems(
  app: Pick<AppDefinition, "constraints" | "role">,
): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  app.constraints.forEach((c, i) => {
    if (c[0] !== DEDICATED_ATTRIBUTE || c[1] !== "IS" || c[2] === undefined) return;
    const role = dedicatedRole(c[2]);
    if (role !== "*" && role !== app.role)
      out.push({
        path: `/constraints(${i})`,
        message: `dedicated hosts '${c[2]}' are not for role '${app.role}' (use '${app.role}/…' or '*/…')`,
      });
  });
  return out;
}
