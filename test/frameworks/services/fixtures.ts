// What the services tests share: a parsed app definition, an offer of a roomy agent, and the
// task JSON the API answers with.
import assert from "node:assert/strict";
import { ServicesHttpServer } from "../../../src/frameworks/services/api-http.ts";
import type { AppDefinition } from "../../../src/frameworks/services/app-definition.ts";
import { type AppStore, MemoryAppStore } from "../../../src/frameworks/services/app-store.ts";
import { parseAppDefinition } from "../../../src/frameworks/services/app-validation.ts";
import {
  type ServicesEffect,
  ServicesState,
} from "../../../src/frameworks/services/services-state.ts";
import { parseWire } from "../../../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../../../src/wire/offer.ts";

/** A UUID-shaped id numbered `n` (Marathon's instance ids hold a UUID). */
export const uuidNumbered = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;

/**
 * The services state on a memory store behind its HTTP API (not listening yet); the effects the
 * API asks for are collected in `effects` for the test to play Mesos with.
 */
export function servicesInMemory(options: {
  nowMs: () => number;
  newId: () => string;
  role?: string;
  /** Default: a fresh MemoryAppStore. */
  store?: AppStore;
}) {
  const effects: ServicesEffect[] = [];
  const state = new ServicesState({
    store: options.store ?? new MemoryAppStore(),
    newId: options.newId,
  });
  const server = new ServicesHttpServer({
    state,
    nowMs: options.nowMs,
    effects: (e) => effects.push(...e),
    ...(options.role === undefined ? {} : { role: options.role }),
  });
  return { effects, state, server };
}

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

/** One call to a services API at `base`: the body always sent as JSON, the answer parsed. */
export async function jsonCall(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}
