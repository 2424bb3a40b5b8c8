// Service ports (reference §1.7): Marathon gives each port 0 of an app's portDefinitions a
// cluster-unique port from `--local_port_min/max`, skipping ports other apps already hold.
import { assert } from "../../base/assert.ts";
import type { AppDefinition } from "./app-definition.ts";

/** The app with every port 0 replaced by a free service port (unchanged with requirePorts). */
export function assignServicePorts(
  app: AppDefinition,
  apps: Iterable<AppDefinition>,
  portRange: readonly [number, number],
): AppDefinition {
  if (app.requirePorts || app.portDefinitions === undefined) return app;
  if (!app.portDefinitions.some((p) => p.port === 0)) return app;
  const used = new Set<number>();
  for (const other of apps) {
    if (other.id === app.id) continue;
    for (const p of other.portDefinitions ?? []) used.add(p.port);
  }
  for (const p of app.portDefinitions) used.add(p.port);
  let next = portRange[0];
  const portDefinitions = app.portDefinitions.map((p) => {
    if (p.port !== 0) return p;
    while (used.has(next)) next += 1;
    assert(next <= portRange[1], "service port range exhausted");
    used.add(next);
    return { ...p, port: next };
  });
  return { ...app, portDefinitions };
}
