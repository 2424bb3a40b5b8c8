// Aurora's run-time templating of a process's cmdline (Pystachio names, reference §3.1):
// `{{thermos.ports[name]}}` is the host port assigned under that name, `{{mesos.instance}}`
// the instance number, `{{thermos.task_id}}` the Mesos task id. Whatever else stands in
// braces is left as written, as Pystachio leaves unbound names; an unknown port is an error
// (the process could only bind a wrong port).
import type { ThermosTask } from "./task-config.ts";

export interface TemplateContext {
  readonly task: ThermosTask;
  readonly taskId: string;
}

export type Rendered = { ok: true; cmdline: string } | { ok: false; message: string };

const PLACEHOLDER = /\{\{\s*([a-z_]+)\.([a-z_]+)(?:\[([^\]]+)\])?\s*\}\}/g;

export function renderCmdline(cmdline: string, ctx: TemplateContext): Rendered {
  let missing: string | undefined;
  const rendered = cmdline.replace(
    PLACEHOLDER,
    (whole, scope: string, name: string, key?: string) => {
      if (scope === "thermos" && name === "ports" && key !== undefined) {
        const port = ctx.task.ports[key.trim()];
        if (port === undefined) missing ??= key.trim();
        return port === undefined ? whole : String(port);
      }
      if (scope === "thermos" && name === "task_id" && key === undefined) return ctx.taskId;
      if (scope === "mesos" && name === "instance" && key === undefined)
        return String(ctx.task.instance);
      return whole;
    },
  );
  if (missing !== undefined) {
    const known = Object.keys(ctx.task.ports).join(", ") || "none";
    return {
      ok: false,
      message: `cmdline names port '${missing}', which the task does not have (ports: ${known})`,
    };
  }
  return { ok: true, cmdline: rendered };
}
