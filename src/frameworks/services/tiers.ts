// Aurora's tiers (reference §3.1 "Tiers and preemption"): every app runs in one tier, and the
// tier says whether its instances may be preempted and whether they run on revocable
// (oversubscribed) resources. The tier config is Aurora's `tiers.json` shape; the services
// framework reads it from `--tiers` (a file or inline JSON) and falls back to Aurora's defaults.
// Apps name a tier with the Tessera fields `tier`, `priority` and `production` (app-definition.ts).
import type { AppDefinition } from "./app-definition.ts";

export const TIER_NAMES = ["preferred", "preemptible", "revocable"] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface TierSettings {
  readonly preemptible: boolean;
  readonly revocable: boolean;
}

/** Aurora's `tiers.json`: the tier used when a job names none, and each tier's settings. */
export interface TierConfig {
  readonly defaultTier: TierName;
  readonly tiers: Readonly<Record<TierName, TierSettings>>;
}

/** Aurora's shipped tiers.json. */
export const DEFAULT_TIER_CONFIG: TierConfig = {
  defaultTier: "preemptible",
  tiers: {
    preferred: { preemptible: false, revocable: false },
    preemptible: { preemptible: true, revocable: false },
    revocable: { preemptible: true, revocable: true },
  },
};

function isTierName(x: unknown): x is TierName {
  return typeof x === "string" && (TIER_NAMES as readonly string[]).includes(x);
}

/**
 * Reads a tier config in Aurora's JSON shape (`{"default": "...", "tiers": {name: {...}}}`).
 * Tiers left out keep their default settings; other tier names are refused, since apps can only
 * name the three tiers the engine knows how to place.
 */
export function parseTierConfig(
  text: string,
): { ok: true; config: TierConfig } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not JSON (${(error as Error).message})` };
  }
  if (raw === null || typeof raw !== "object") return { ok: false, message: "not an object" };
  const r = raw as { default?: unknown; tiers?: unknown };
  const defaultTier = r.default ?? DEFAULT_TIER_CONFIG.defaultTier;
  if (!isTierName(defaultTier))
    return { ok: false, message: `default must be one of ${TIER_NAMES.join(", ")}` };
  const tiers: Record<TierName, TierSettings> = { ...DEFAULT_TIER_CONFIG.tiers };
  if (r.tiers !== undefined) {
    if (r.tiers === null || typeof r.tiers !== "object")
      return { ok: false, message: "'tiers' must be an object" };
    for (const [name, settings] of Object.entries(r.tiers as Record<string, unknown>)) {
      if (!isTierName(name))
        return { ok: false, message: `unknown tier '${name}' (${TIER_NAMES.join(", ")})` };
      const s = settings as { preemptible?: unknown; revocable?: unknown } | null;
      if (s === null || typeof s !== "object")
        return { ok: false, message: `${name} must be an object` };
      if (typeof s.preemptible !== "boolean" || typeof s.revocable !== "boolean")
        return { ok: false, message: `${name} needs boolean preemptible and revocable` };
      tiers[name] = { preemptible: s.preemptible, revocable: s.revocable };
    }
  }
  return { ok: true, config: { defaultTier, tiers } };
}

/** The config as Aurora's getTierConfigs answers it. */
export function tierConfigJson(config: TierConfig): Record<string, unknown> {
  return {
    defaultTierName: config.defaultTier,
    tiers: TIER_NAMES.map((name) => ({
      name,
      settings: {
        preemptible: String(config.tiers[name].preemptible),
        revocable: String(config.tiers[name].revocable),
      },
    })),
  };
}

type TierFields = Pick<AppDefinition, "tier" | "production">;

/** The app's tier: its own, else `preferred` for production apps, else the config's default. */
export function tierOf(app: TierFields, config: TierConfig = DEFAULT_TIER_CONFIG): TierName {
  if (app.tier !== undefined) return app.tier;
  return app.production === true ? "preferred" : config.defaultTier;
}

export function tierSettings(app: TierFields, config: TierConfig): TierSettings {
  return config.tiers[tierOf(app, config)];
}

/** The app's priority within its role (Aurora's `priority`, 0 when not given). */
export function priorityOf(app: Pick<AppDefinition, "priority">): number {
  return app.priority ?? 0;
}

/** Whether the app uses Aurora's job model fields (it is then also THROTTLED when flapping). */
export function hasTierFields(
  app: Pick<AppDefinition, "tier" | "production" | "priority">,
): boolean {
  return app.tier !== undefined || app.production !== undefined || app.priority !== undefined;
}

/** Checks of the Aurora fields for the 422 details: production apps run in the preferred tier. */
export function tierFieldProblems(
  app: Pick<AppDefinition, "tier" | "production">,
): { path: string; message: string }[] {
  if (app.production === true && app.tier !== undefined && app.tier !== "preferred")
    return [
      { path: "/tier", message: `production apps run in the preferred tier, not '${app.tier}'` },
    ];
  return [];
}
