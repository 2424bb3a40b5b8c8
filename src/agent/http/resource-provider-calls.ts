// The resource provider and image calls of the agent's operator API (reference §4.4).

import { type Reply, textResponse } from "../../http/response.ts";
import type { AgentOperatorCall } from "../../wire/operator-agent.ts";
import type { AgentEndpointsContext } from "./endpoints.ts";

// The provider type Mesos builds in; any other is "unknown".
const LOCAL_STORAGE_PROVIDER = "org.apache.mesos.rp.local.storage";

/**
 * The resource provider and image calls on an agent without resource providers
 * (`--resource_provider_config_dir` unset in Mesos) and without container images: Mesos's
 * answers for exactly that agent. A config is validated first (400 for an unknown provider
 * type), then refused for want of the config dir (500); marking a provider gone is a no-op
 * for an unknown one once registered; pruning with no images prunes nothing (200).
 */
export function resourceProviderCall(
  ctx: AgentEndpointsContext,
  call: AgentOperatorCall,
): Reply | undefined {
  const noConfigDir = textResponse(500, "Missing required flag --resource_provider_config_dir");
  switch (call.type) {
    case "ADD_RESOURCE_PROVIDER_CONFIG":
    case "UPDATE_RESOURCE_PROVIDER_CONFIG": {
      const info = (call.add_resource_provider_config ?? call.update_resource_provider_config)!
        .info;
      const invalid =
        info.type !== LOCAL_STORAGE_PROVIDER
          ? `Unknown local resource provider type '${info.type}'`
          : info.id !== undefined
            ? "'ResourceProviderInfo.id' must not be set"
            : undefined;
      if (invalid === undefined) return noConfigDir;
      return textResponse(
        400,
        `Failed to validate resource provider config with type '${info.type}' and name '${info.name}': ${invalid}`,
      );
    }
    case "REMOVE_RESOURCE_PROVIDER_CONFIG":
      return noConfigDir;
    case "MARK_RESOURCE_PROVIDER_GONE": {
      if (ctx.core.agentId !== undefined) return textResponse(200, "");
      const id = call.mark_resource_provider_gone!.resource_provider_id.value;
      return textResponse(
        500,
        `Could not mark resource provider '${id}' as gone: Agent has not registered yet`,
      );
    }
    case "PRUNE_IMAGES":
      return textResponse(200, "");
    default:
      return undefined;
  }
}
