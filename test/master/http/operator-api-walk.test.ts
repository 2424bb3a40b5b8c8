// Every call type of the master's operator API (reference §4.2, MASTER_CALL_TYPES) sent to a
// real master with a registered agent: none answers 501 but the calls not built yet, listed
// here by name so the list shrinks as they are built. Each call carries a well-formed
// sub-message, so that a 400 from validation cannot hide a 501.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MASTER_CALLS_NOT_BUILT } from "../../../src/master/http/operator-api.ts";
import { MASTER_CALL_TYPES, type MasterCallType } from "../../../src/wire/operator-master.ts";
import { operatorCall } from "./helpers.ts";
import { masterSuite } from "./suite.ts";

/** Every call is built: none answers 501 Not Implemented. */
const KNOWN_GAPS: readonly MasterCallType[] = [];

const agentId = { value: "no-such-agent" };
const cpus = (value: number) => ({ name: "cpus", type: "SCALAR", scalar: { value } });
const disk = { name: "disk", type: "SCALAR", scalar: { value: 1 } };
const machines = { machines: [{ hostname: "nowhere" }] };

/** A well-formed sub-message for each call type that needs one. */
const BODIES: Partial<Record<MasterCallType, Record<string, unknown>>> = {
  GET_METRICS: { get_metrics: {} },
  SET_LOGGING_LEVEL: { set_logging_level: { level: 0, duration: { nanoseconds: 1_000_000 } } },
  LIST_FILES: { list_files: { path: "/master/log" } },
  READ_FILE: { read_file: { path: "/master/log", offset: 0 } },
  UPDATE_WEIGHTS: { update_weights: { weight_infos: [{ role: "walk", weight: 2 }] } },
  RESERVE_RESOURCES: { reserve_resources: { agent_id: agentId, resources: [cpus(1)] } },
  UNRESERVE_RESOURCES: { unreserve_resources: { agent_id: agentId, resources: [cpus(1)] } },
  CREATE_VOLUMES: { create_volumes: { agent_id: agentId, volumes: [disk] } },
  DESTROY_VOLUMES: { destroy_volumes: { agent_id: agentId, volumes: [disk] } },
  GROW_VOLUME: { grow_volume: { agent_id: agentId, volume: disk, addition: disk } },
  SHRINK_VOLUME: { shrink_volume: { agent_id: agentId, volume: disk, subtract: { value: 1 } } },
  UPDATE_MAINTENANCE_SCHEDULE: { update_maintenance_schedule: { schedule: { windows: [] } } },
  START_MAINTENANCE: { start_maintenance: machines },
  STOP_MAINTENANCE: { stop_maintenance: machines },
  DRAIN_AGENT: { drain_agent: { agent_id: agentId } },
  DEACTIVATE_AGENT: { deactivate_agent: { agent_id: agentId } },
  REACTIVATE_AGENT: { reactivate_agent: { agent_id: agentId } },
  UPDATE_QUOTA: { update_quota: { quota_configs: [] } },
  SET_QUOTA: {
    set_quota: { quota_request: { role: "walk", force: true, guarantee: [cpus(0.5)] } },
  },
  REMOVE_QUOTA: { remove_quota: { role: "walk" } },
  TEARDOWN: { teardown: { framework_id: { value: "no-such-framework" } } },
  MARK_AGENT_GONE: { mark_agent_gone: { agent_id: agentId } },
};

describe("every master operator call type answers (reference §4.2)", () => {
  // A master with a registered agent; the agent calls name an unknown one, changing nothing.
  const { master } = masterSuite({ agent: { hostname: "walk-agent" }, framework: false });

  it("no call answers 501", async () => {
    const answered501: string[] = [];
    for (const type of MASTER_CALL_TYPES) {
      if (type === "UNKNOWN") continue;
      const body = { type, ...BODIES[type] };
      if (type === "SUBSCRIBE") {
        const abort = new AbortController();
        const res = await fetch(`${master.url}/api/v1`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(body),
          signal: abort.signal,
        });
        assert.equal(res.status, 200, "SUBSCRIBE opens the event stream");
        abort.abort();
        continue;
      }
      const res = await operatorCall(master, body);
      assert.doesNotMatch(res.body, /^Failed to validate/, `${type}'s sample body is valid`);
      if (res.status === 501) {
        answered501.push(type);
        assert.match(res.body, new RegExp(`'${type}' is not built yet`));
      }
    }
    assert.deepEqual(answered501, KNOWN_GAPS);
    assert.deepEqual(Object.keys(MASTER_CALLS_NOT_BUILT), KNOWN_GAPS);
  });

  it("UNKNOWN is still 501 Unsupported", async () => {
    const res = await operatorCall(master, { type: "UNKNOWN" });
    assert.equal(res.status, 501);
    assert.equal(res.body, "Unsupported call type 'UNKNOWN'");
  });
});
