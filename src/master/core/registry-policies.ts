// Weights and quota in the registry (reference §4.2 UPDATE_WEIGHTS, UPDATE_QUOTA): every entry
// is checked before any is changed.
import { weightError } from "../../allocator/index.ts";
import { MAX_SCALAR_VALUE, scalarInRange } from "../../resources/scalar.ts";
import { validateRole } from "../../wire/ids.ts";
import {
  fail,
  type QuotaConfig,
  type RegistryApplyResult,
  type RegistryState,
  sameJson,
  type WeightUpdate,
} from "./registry-types.ts";

export function updateWeights(state: RegistryState, weights: WeightUpdate[]): RegistryApplyResult {
  for (const { role, weight } of weights) {
    const roleError = validateRole(role);
    if (roleError !== undefined) return fail("invalid_weight", roleError);
    const invalidWeight = weightError(weight);
    if (invalidWeight !== undefined) return fail("invalid_weight", invalidWeight);
  }
  let changed = false;
  for (const { role, weight } of weights) {
    if (state.weights.get(role) === weight) continue;
    state.weights.set(role, weight);
    changed = true;
  }
  return { changed };
}

function quantitiesError(what: string, quantities: Record<string, number>): string | undefined {
  for (const [name, value] of Object.entries(quantities)) {
    if (name === "") return `${what} has an empty resource name`;
    // Beyond MAX_SCALAR_VALUE the allocator's fixed-point quantities cannot hold it, and a
    // persisted value it refuses would stop every later master at recovery.
    if (!scalarInRange(value) || value < 0) {
      return `${what} of '${name}' must be a non-negative number up to ${MAX_SCALAR_VALUE}, got ${value}`;
    }
  }
  return undefined;
}

export function updateQuota(state: RegistryState, configs: QuotaConfig[]): RegistryApplyResult {
  // All or nothing, like UPDATE_QUOTA (§4.2): validate every config before changing any.
  const seen = new Set<string>();
  for (const config of configs) {
    const roleError = validateRole(config.role);
    if (roleError !== undefined) return fail("invalid_quota", roleError);
    if (seen.has(config.role)) return fail("invalid_quota", `Duplicate role '${config.role}'`);
    seen.add(config.role);
    const error =
      quantitiesError("Guarantee", config.guarantees) ?? quantitiesError("Limit", config.limits);
    if (error !== undefined) return fail("invalid_quota", `Role '${config.role}': ${error}`);
    for (const [name, guarantee] of Object.entries(config.guarantees)) {
      const limit = config.limits[name];
      if (limit !== undefined && guarantee > limit) {
        return fail(
          "invalid_quota",
          `Role '${config.role}': guarantee ${guarantee} of '${name}' exceeds its limit ${limit}`,
        );
      }
    }
  }
  let changed = false;
  for (const config of configs) {
    const current = state.quotas.get(config.role);
    // Empty guarantees and limits reset the role to the default (no quota).
    if (Object.keys(config.guarantees).length === 0 && Object.keys(config.limits).length === 0) {
      changed = state.quotas.delete(config.role) || changed;
      continue;
    }
    if (current !== undefined && sameJson(current, config)) continue;
    state.quotas.set(config.role, config);
    changed = true;
  }
  return { changed };
}
