// `tessera services serve`'s Aurora options: `--tiers` (a tiers.json file, or its JSON inline),
// `--preemption_delay_seconds` and `--preemption_slot_hold_seconds`, turned into
// startServices' options (a bad value is a usage error naming the flag).
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseTierConfig, type TierConfig } from "../frameworks/services/tiers.ts";
import { usageError } from "./cli-error.ts";

export interface TierOptions {
  tiers?: string;
  preemption_delay_seconds?: string;
  preemption_slot_hold_seconds?: string;
}

export function addTierOptions(c: Command): Command {
  return c
    .option(
      "--tiers <file|json>",
      "Aurora's tiers.json (default: preferred, preemptible, revocable)",
    )
    .option("--preemption_delay_seconds <s>", "pending this long, an instance may preempt (180)")
    .option(
      "--preemption_slot_hold_seconds <s>",
      "a preempted slot waits this long for its instance (300)",
    );
}

function seconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0)
    throw usageError(`${flag}: '${text}' is not a number of seconds`);
  return Math.round(n * 1000);
}

export function tierServeOptions(o: TierOptions): {
  tiers?: TierConfig;
  preemptionDelayMs?: number;
  slotHoldMs?: number;
} {
  let tiers: TierConfig | undefined;
  if (o.tiers !== undefined) {
    let text = o.tiers;
    if (!o.tiers.trimStart().startsWith("{")) {
      try {
        text = readFileSync(o.tiers, "utf8");
      } catch (error) {
        throw usageError(`--tiers: cannot read ${o.tiers}: ${(error as Error).message}`);
      }
    }
    const parsed = parseTierConfig(text);
    if (!parsed.ok) throw usageError(`--tiers: ${parsed.message}`);
    tiers = parsed.config;
  }
  const preemptionDelayMs = seconds("--preemption_delay_seconds", o.preemption_delay_seconds);
  const slotHoldMs = seconds("--preemption_slot_hold_seconds", o.preemption_slot_hold_seconds);
  return {
    ...(tiers === undefined ? {} : { tiers }),
    ...(preemptionDelayMs === undefined ? {} : { preemptionDelayMs }),
    ...(slotHoldMs === undefined ? {} : { slotHoldMs }),
  };
}
