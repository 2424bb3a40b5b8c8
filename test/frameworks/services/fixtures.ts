// What the services tests share: a parsed app definition, an offer of a roomy agent, and the
// task JSON the API answers with.
import assert from "node:assert/strict";
import type { AppDefinition } from "../../../src/frameworks/services/app-definition.ts";
import { parseAppDefinition } from "../../../src/frameworks/services/app-validation.ts";
import { parseWire } from "../../../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../../../src/wire/offer.ts";

/** An app definition as the API would accept it (fails the test if it does not parse). */
export function appDef(fields: Record<string, unknown>): AppDefinition {
  const r = parseAppDefinition({ id: "/a", cmd: "x", ...fields });
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.failure));
  return r.app;
}

/** An offer of 8 cpus, 8 GiB and ports 31000-31100 on agent `agentId` at `hostname`. */
export function roomyOffer(offerId: string, agentId: string, hostname: string): Offer {
  const parsed = parseWire(OfferSchema, {
    id: { value: offerId },
    framework_id: { value: "fw" },
    agent_id: { value: agentId },
    hostname,
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 8 } },
      { name: "mem", type: "SCALAR", scalar: { value: 8192 } },
      { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31100 }] } },
    ],
  });
  assert.ok(parsed.ok);
  return parsed.value;
}

/** A task as `/v2/apps/{id}/tasks` shows it (the fields the tests read). */
export interface TaskJson {
  id: string;
  state: string;
  host: string;
  ports: number[];
  version: string;
  healthCheckResults: { alive: boolean }[];
}

export const isHealthy = (t: TaskJson) =>
  t.state === "TASK_RUNNING" && t.healthCheckResults.some((r) => r.alive);
