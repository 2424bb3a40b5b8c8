// `tessera quota [get]` and `tessera quota set ROLE --guarantee … --limit …`: a role's quota
// through GET_QUOTA and UPDATE_QUOTA (reference §4.2). UPDATE_QUOTA replaces the role's whole
// config; a config with no guarantees and no limits removes the quota (`quota remove`).
import { Command } from "commander";
import { usageError } from "./cli-error.ts";
import {
  connect,
  listing,
  type MasterOptions,
  masterOption,
  operatorCommand,
  runAction,
} from "./command-kit.ts";
import type { Column } from "./output.ts";

export interface QuotaRow {
  role: string;
  guarantees: Record<string, number>;
  limits: Record<string, number>;
}

const show = (q: Record<string, number>) =>
  Object.keys(q).length === 0
    ? "-"
    : Object.entries(q)
        .map(([k, v]) => `${k}:${v}`)
        .join(";");

const COLUMNS: Column<QuotaRow>[] = [
  { header: "ROLE", value: (r) => r.role },
  { header: "GUARANTEES", value: (r) => show(r.guarantees) },
  { header: "LIMITS", value: (r) => show(r.limits) },
];

/**
 * Reads `cpus:1;mem:512` (Mesos's resource text) or `cpus=1,mem=512` as name → quantity.
 * Throws a usage error naming the bad part.
 */
export function parseQuantities(text: string, flag: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(/[;,]/)) {
    if (part.trim() === "") continue;
    const m = /^\s*([A-Za-z_][\w.-]*)\s*[:=]\s*([0-9]*\.?[0-9]+)\s*$/.exec(part);
    if (m === null) {
      throw usageError(`${flag}: cannot read '${part}' — use NAME:VALUE, e.g. cpus:2;mem:1024`);
    }
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

interface GetQuotaAnswer {
  get_quota?: {
    status?: {
      configs?: {
        role: string;
        guarantees?: Record<string, { value: number }>;
        limits?: Record<string, { value: number }>;
      }[];
    };
  };
}

const unwrap = (q: Record<string, { value: number }> | undefined) =>
  Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, v.value]));
const wrap = (q: Record<string, number>) =>
  Object.fromEntries(Object.entries(q).map(([k, v]) => [k, { value: v }]));

function quotaRows(answer: GetQuotaAnswer | undefined): QuotaRow[] {
  return (answer?.get_quota?.status?.configs ?? []).map((c) => ({
    role: c.role,
    guarantees: unwrap(c.guarantees),
    limits: unwrap(c.limits),
  }));
}

function getCommand(): Command {
  return listing(
    operatorCommand("get", "print every role's quota guarantees and limits"),
    COLUMNS,
    async (master) =>
      quotaRows((await master.call({ type: "GET_QUOTA" })) as GetQuotaAnswer | undefined),
  );
}

async function updateQuota(
  opts: MasterOptions & { force?: boolean },
  role: string,
  guarantees: Record<string, number>,
  limits: Record<string, number>,
): Promise<void> {
  const master = await connect(opts);
  await master.call({
    type: "UPDATE_QUOTA",
    update_quota: {
      ...(opts.force ? { force: true } : {}),
      quota_configs: [{ role, guarantees: wrap(guarantees), limits: wrap(limits) }],
    },
  });
}

function setCommand(): Command {
  return new Command("set")
    .description("set ROLE's quota (replaces its guarantees and limits)")
    .argument("<role>", "the role")
    .option("--guarantee <resources>", "guaranteed resources, e.g. cpus:1;mem:512")
    .option("--limit <resources>", "resource limits, e.g. cpus:4;mem:4096")
    .option("--force", "apply even when the guarantees exceed the cluster's capacity")
    .addOption(masterOption())
    .allowExcessArguments(false)
    .action(
      runAction(
        async (
          role: string,
          opts: MasterOptions & { guarantee?: string; limit?: string; force?: boolean },
        ) => {
          if (opts.guarantee === undefined && opts.limit === undefined) {
            throw usageError(
              "quota set: give --guarantee and/or --limit (`tessera quota remove ROLE` clears it)",
            );
          }
          const guarantees = parseQuantities(opts.guarantee ?? "", "--guarantee");
          const limits = parseQuantities(opts.limit ?? "", "--limit");
          await updateQuota(opts, role, guarantees, limits);
          process.stdout.write(`quota of role '${role}' set\n`);
        },
      ),
    );
}

function removeCommand(): Command {
  return operatorCommand("remove", "remove ROLE's quota (no guarantees, no limits)")
    .argument("<role>", "the role")
    .action(
      runAction(async (role: string, opts: MasterOptions) => {
        await updateQuota(opts, role, {}, {});
        process.stdout.write(`quota of role '${role}' removed\n`);
      }),
    );
}

export function quotaCommand(): Command {
  return new Command("quota")
    .description("show or change role quotas (GET_QUOTA / UPDATE_QUOTA)")
    .addCommand(getCommand(), { isDefault: true })
    .addCommand(setCommand())
    .addCommand(removeCommand());
}
