// The agent's oversubscription flags, by Mesos's names (Mesos loads its estimator and QoS
// controller as modules; Tessera has two of each built in, chosen by name):
//   --resource_estimator           "" (Mesos's default: none, nothing revocable), `fixed` (the
//                                  resources of --oversubscribed_resources, as Mesos's
//                                  FixedResourceEstimator module), `usage` (allocated but unused
//                                  cpus and mem of the running non-revocable containers)
//   --oversubscribed_resources     Tessera: what `fixed` offers, e.g. "cpus:2;mem:512"
//   --oversubscribed_resources_interval  how often the estimate is taken and reported (15secs)
//   --qos_controller               "" (none) or `usage`: revocable containers are ended when the
//                                  running non-revocable ones need what they hold
//   --qos_correction_interval_min  the least time between two corrections (0secs)
import type { FlagReader } from "../../base/flag-parsing.ts";
import { parseResourcesText } from "../../resources/text-format.ts";
import { resourcesToWire } from "../../resources/wire-format.ts";
import type { Resource } from "../../wire/resource.ts";

export const RESOURCE_ESTIMATORS = ["", "fixed", "usage"] as const;
export const QOS_CONTROLLERS = ["", "usage"] as const;
export type ResourceEstimatorName = (typeof RESOURCE_ESTIMATORS)[number];
export type QosControllerName = (typeof QOS_CONTROLLERS)[number];

export interface OversubscriptionFlags {
  resourceEstimator: ResourceEstimatorName;
  /** `fixed`'s resources, revocable (wire form). */
  fixedResources: Resource[];
  intervalMs: number;
  qosController: QosControllerName;
  qosCorrectionIntervalMinMs: number;
}

export const OVERSUBSCRIPTION_FLAG_SPECS = [
  {
    name: "resource_estimator",
    kind: "string",
    default: "",
    help: "revocable resources to offer: '' none (default), 'fixed' (--oversubscribed_resources), 'usage' (allocated but unused cpus/mem)",
  },
  {
    name: "oversubscribed_resources",
    kind: "string",
    default: undefined,
    help: "what --resource_estimator=fixed offers as revocable, e.g. 'cpus:2;mem:512'",
  },
  {
    name: "oversubscribed_resources_interval",
    kind: "duration",
    default: "15secs",
    help: "how often the resource estimate is taken and sent to the master",
  },
  {
    name: "qos_controller",
    kind: "string",
    default: "",
    help: "'' none (default) or 'usage': end revocable tasks when non-revocable ones need their resources",
  },
  {
    name: "qos_correction_interval_min",
    kind: "duration",
    default: "0secs",
    help: "the least time between two QoS corrections",
  },
] as const;

function oneOf<T extends string>(r: FlagReader, name: string, allowed: readonly T[]): T {
  const value = r.str(name) ?? "";
  if ((allowed as readonly string[]).includes(value)) return value as T;
  r.fail(name, `must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, not '${value}'`);
  return "" as T;
}

export function readOversubscriptionFlags(r: FlagReader): OversubscriptionFlags {
  const resourceEstimator = oneOf(r, "resource_estimator", RESOURCE_ESTIMATORS);
  const text = r.str("oversubscribed_resources");
  let fixedResources: Resource[] = [];
  if (resourceEstimator === "fixed") {
    const parsed = text === undefined ? undefined : parseResourcesText(text);
    if (parsed === undefined || !parsed.ok) {
      r.fail(
        "oversubscribed_resources",
        parsed === undefined
          ? "is needed by --resource_estimator=fixed"
          : `cannot be read: ${parsed.message}`,
      );
    } else {
      fixedResources = resourcesToWire(parsed.value).map((w) => ({ ...w, revocable: {} }));
    }
  }
  return {
    resourceEstimator,
    fixedResources,
    intervalMs: r.requiredDuration("oversubscribed_resources_interval"),
    qosController: oneOf(r, "qos_controller", QOS_CONTROLLERS),
    qosCorrectionIntervalMinMs: r.requiredDuration("qos_correction_interval_min"),
  };
}

export function oversubscriptionFlagValues(flags: OversubscriptionFlags): Record<string, string> {
  return {
    resource_estimator: flags.resourceEstimator,
    oversubscribed_resources_interval: `${flags.intervalMs / 1000}secs`,
    qos_controller: flags.qosController,
    qos_correction_interval_min: `${flags.qosCorrectionIntervalMinMs / 1000}secs`,
  };
}
