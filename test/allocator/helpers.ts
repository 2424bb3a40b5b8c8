// Shared helpers for allocator tests: resources from Mesos text, offers as comparable text.

import type { Offer } from "../../src/allocator/index.ts";
import { AgentState } from "../../src/allocator/records.ts";
import { parseResourcesText, type Resources } from "../../src/resources/index.ts";

export function res(text: string): Resources {
  const parsed = parseResourcesText(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** Offers as sorted "framework role agent" lines (resources left out). */
export function who(offers: readonly Offer[]): string[] {
  return offers.map((o) => `${o.frameworkId} ${o.role} ${o.agentId}`).sort();
}

/** Sum of a scalar over offers, in units. */
export function sum(offers: readonly Offer[], name: string): number {
  let total = 0;
  for (const o of offers) total += o.resources.get(name);
  return total / 1000;
}

/** An allocator agent record with every capability, `total` given as Mesos text. */
export function agentRecord(id: string, total = "cpus:1", order = 0): AgentState {
  const capabilities = { multiRole: true, hierarchicalRole: true };
  return new AgentState(id, order, `host-${id}`, res(total), capabilities, true);
}
