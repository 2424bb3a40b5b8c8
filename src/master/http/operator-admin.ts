// Operator calls that change allocator configuration or agent availability: UPDATE_WEIGHTS,
// UPDATE_QUOTA, DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT (reference §4.2). Each is made
// durable in the registry first and answered 200 only then, as Mesos does; the allocator is told
// afterwards. The master core does not take these calls (yet), so the shell, which owns the
// allocator and the registry store, carries them out here.
import { Allocator } from "../../allocator/index.ts";
import { ResourceQuantities, toMilli } from "../../resources/index.ts";
import type { DrainConfig } from "../../wire/framework.ts";
import type { MasterCall } from "../../wire/operator-master.ts";
import type { QuotaConfig, RegistryOperation, RegistryState } from "../core/registry-state.ts";
import type { RegistryStore } from "../registry/index.ts";

export type AdminResult = { ok: true } | { ok: false; status: number; message: string };

const OK: AdminResult = { ok: true };

export class OperatorAdmin {
  readonly weights = new Map<string, number>();
  readonly quotas = new Map<string, QuotaConfig>();
  readonly deactivated = new Set<string>();
  readonly draining = new Map<string, DrainConfig>();
  readonly #registry: RegistryStore;
  readonly #allocator: Allocator;
  readonly #knownAgent: (agentId: string) => boolean;

  constructor(
    registry: RegistryStore,
    allocator: Allocator,
    recovered: RegistryState,
    knownAgent: (agentId: string) => boolean,
  ) {
    this.#registry = registry;
    this.#allocator = allocator;
    this.#knownAgent = knownAgent;
    for (const [role, weight] of recovered.weights) this.weights.set(role, weight);
    for (const [role, quota] of recovered.quotas) this.quotas.set(role, quota);
    for (const [id, agent] of recovered.admitted) {
      if (agent.deactivated) this.deactivated.add(id);
      if (agent.drainInfo !== undefined) this.draining.set(id, agent.drainInfo.config);
    }
    this.#allocator.updateWeights(this.weights);
    for (const quota of this.quotas.values())
      this.#allocator.updateQuota(quota.role, toQuota(quota));
  }

  /** Applies one registry operation; its own failure becomes a 400 with the registry's words. */
  async #persist(op: RegistryOperation): Promise<AdminResult> {
    const [result] = await this.#registry.apply([op]);
    if (result?.error !== undefined) {
      return { ok: false, status: 400, message: result.error.message };
    }
    return OK;
  }

  async updateWeights(call: NonNullable<MasterCall["update_weights"]>): Promise<AdminResult> {
    const weights: { role: string; weight: number }[] = [];
    for (const info of call.weight_infos ?? []) {
      if (info.role === undefined) {
        return { ok: false, status: 400, message: "Expecting 'role' to be present" };
      }
      if (!(info.weight > 0)) {
        return {
          ok: false,
          status: 400,
          message: `Invalid weight '${info.weight}' for role '${info.role}': weights must be positive`,
        };
      }
      weights.push({ role: info.role, weight: info.weight });
    }
    const check = this.#allocatorCheck(() =>
      new Allocator().updateWeights(weights.map((w) => [w.role, w.weight] as const)),
    );
    if (!check.ok) return check;
    const persisted = await this.#persist({ type: "UpdateWeights", weights });
    if (!persisted.ok) return persisted;
    this.#allocator.updateWeights(weights.map((w) => [w.role, w.weight] as const));
    for (const w of weights) {
      if (w.weight === 1) this.weights.delete(w.role);
      else this.weights.set(w.role, w.weight);
    }
    return OK;
  }

  async updateQuota(call: NonNullable<MasterCall["update_quota"]>): Promise<AdminResult> {
    const configs: QuotaConfig[] = [];
    for (const c of call.quota_configs ?? []) {
      if (c.role.includes("/")) {
        return {
          ok: false,
          status: 400,
          message: `Invalid QuotaConfig: setting quota on nested role '${c.role}' is not supported yet`,
        };
      }
      const config: QuotaConfig = {
        role: c.role,
        guarantees: Object.fromEntries(
          Object.entries(c.guarantees ?? {}).map(([k, v]) => [k, v.value]),
        ),
        limits: Object.fromEntries(Object.entries(c.limits ?? {}).map(([k, v]) => [k, v.value])),
      };
      const check = this.#allocatorCheck(() =>
        new Allocator().updateQuota(config.role, toQuota(config)),
      );
      if (!check.ok) return check;
      configs.push(config);
    }
    const persisted = await this.#persist({ type: "UpdateQuota", configs });
    if (!persisted.ok) return persisted;
    for (const config of configs) {
      const empty =
        Object.keys(config.guarantees).length === 0 && Object.keys(config.limits).length === 0;
      // An empty config resets the role to no quota (reference §4.2 UPDATE_QUOTA).
      this.#allocator.updateQuota(config.role, empty ? undefined : toQuota(config));
      if (empty) this.quotas.delete(config.role);
      else this.quotas.set(config.role, config);
    }
    return OK;
  }

  async deactivateAgent(agentId: string): Promise<AdminResult> {
    if (!this.#knownAgent(agentId)) return unknownAgent(agentId);
    const persisted = await this.#persist({ type: "DeactivateAgent", agentId });
    if (!persisted.ok) return persisted;
    this.deactivated.add(agentId);
    this.#allocator.deactivateAgent(agentId);
    return OK;
  }

  async reactivateAgent(agentId: string): Promise<AdminResult> {
    if (!this.#knownAgent(agentId)) return unknownAgent(agentId);
    const persisted = await this.#persist({ type: "ReactivateAgent", agentId });
    if (!persisted.ok) return persisted;
    this.deactivated.delete(agentId);
    this.#allocator.activateAgent(agentId);
    return OK;
  }

  async drainAgent(call: NonNullable<MasterCall["drain_agent"]>): Promise<AdminResult> {
    const agentId = call.agent_id.value;
    if (!this.#knownAgent(agentId)) return unknownAgent(agentId);
    const config: DrainConfig = { mark_gone: call.mark_gone };
    const grace = call.max_grace_period;
    if (grace !== undefined) {
      // The call carries google.protobuf.Duration; DrainConfig keeps Mesos's DurationInfo.
      config.max_grace_period = {
        nanoseconds: (grace.seconds ?? 0) * 1_000_000_000 + (grace.nanos ?? 0),
      };
    }
    const persisted = await this.#persist({ type: "DrainAgent", agentId, config });
    if (!persisted.ok) return persisted;
    this.deactivated.add(agentId);
    this.draining.set(agentId, config);
    this.#allocator.deactivateAgent(agentId);
    return OK;
  }

  /** Runs an allocator validation on a scratch allocator, so a refusal changes nothing. */
  #allocatorCheck(run: () => { ok: boolean; message?: string }): AdminResult {
    const result = run();
    if (result.ok) return OK;
    return { ok: false, status: 400, message: result.message ?? "invalid request" };
  }
}

function unknownAgent(agentId: string): AdminResult {
  return { ok: false, status: 400, message: `Unknown agent '${agentId}'` };
}

function toQuota(config: QuotaConfig) {
  const guarantees = ResourceQuantities.fromRecord(
    Object.fromEntries(Object.entries(config.guarantees).map(([k, v]) => [k, toMilli(v)])),
  );
  const limits = new Map(Object.entries(config.limits).map(([k, v]) => [k, toMilli(v)] as const));
  return { guarantees, limits };
}
