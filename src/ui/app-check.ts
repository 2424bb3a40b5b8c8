// The services page's check of an app definition before it is sent, and the definition of a
// listed app; plain functions without the DOM, so the Node tests run them.

/**
 * What is wrong with an app definition before it is sent: the mistakes the services API would
 * refuse with a 422, said in one line (the API's own answer is shown for the rest).
 */
export function appProblem(app: unknown): string | undefined {
  if (typeof app !== "object" || app === null || Array.isArray(app))
    return "an app is a JSON object";
  const a = app as Record<string, unknown>;
  if (typeof a.id !== "string" || a.id.replace(/^\//, "") === "")
    return "`id` must be a non-empty string such as /web";
  if (!/^\/?[a-z0-9.-]+(\/[a-z0-9.-]+)*$/.test(a.id))
    return "`id`: path segments of lowercase letters, digits, '.' and '-' (/group/app)";
  if (a.instances !== undefined && !(Number.isInteger(a.instances) && Number(a.instances) >= 0))
    return "`instances` must be a whole number, 0 or more";
  for (const field of ["cpus", "mem", "disk", "gpus"])
    if (a[field] !== undefined && !(typeof a[field] === "number" && a[field] >= 0))
      return `\`${field}\` must be a number, 0 or more`;
  if (a.cmd !== undefined && typeof a.cmd !== "string") return "`cmd` must be a string";
  if (
    a.args !== undefined &&
    !(Array.isArray(a.args) && a.args.every((x) => typeof x === "string"))
  )
    return "`args` must be a list of strings";
  if (a.cmd !== undefined && a.args !== undefined) return "give `cmd` or `args`, not both";
  if (a.cmd === undefined && a.args === undefined && a.container === undefined)
    return "give the app a `cmd`, `args` or a `container` to run";
  return undefined;
}

/** What the API adds to an app when it lists it; the editor shows only the definition. */
const READ_ONLY_FIELDS = [
  "tasksStaged",
  "tasksRunning",
  "tasksHealthy",
  "tasksUnhealthy",
  "deployments",
  "tasks",
  "lastTaskFailure",
  "version",
  "versionInfo",
];
export function definitionOf(app: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...app };
  for (const f of READ_ONLY_FIELDS) delete out[f];
  return out;
}
