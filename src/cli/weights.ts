// `tessera weights [get]` and `tessera weights set ROLE=WEIGHT …`: role weights for the DRF
// allocator through GET_WEIGHTS and UPDATE_WEIGHTS (reference §4.2). Roles not listed keep
// their weight; weight 1 is the default, so the master lists only the others.
import { Command } from "commander";
import { usageError } from "./cli-error.ts";
import { connect, listing, type MasterOptions, operatorCommand, runAction } from "./command-kit.ts";
import { type Column, formatScalar } from "./output.ts";

export interface WeightRow {
  role: string;
  weight: number;
}

const COLUMNS: Column<WeightRow>[] = [
  { header: "ROLE", value: (r) => r.role },
  { header: "WEIGHT", value: (r) => formatScalar(r.weight) },
];

/** Reads `ROLE=WEIGHT` pairs; throws a usage error naming the bad one. */
export function parseWeights(pairs: readonly string[]): WeightRow[] {
  return pairs.map((pair) => {
    const m = /^([^=\s]+)=([0-9]*\.?[0-9]+)$/.exec(pair);
    const weight = Number(m?.[2]);
    if (m === null || !(weight > 0)) {
      throw usageError(`weights set: cannot read '${pair}' — use ROLE=WEIGHT with WEIGHT > 0`);
    }
    return { role: m[1] as string, weight };
  });
}

interface GetWeightsAnswer {
  get_weights?: { weight_infos?: { role: string; weight: number }[] };
}

function weightRows(answer: GetWeightsAnswer | undefined): WeightRow[] {
  return (answer?.get_weights?.weight_infos ?? []).map((w) => ({ role: w.role, weight: w.weight }));
}

function getCommand(): Command {
  return listing(
    operatorCommand("get", "print the roles whose weight is not the default 1"),
    COLUMNS,
    async (master) =>
      weightRows((await master.call({ type: "GET_WEIGHTS" })) as GetWeightsAnswer | undefined),
  );
}

function setCommand(): Command {
  return operatorCommand("set", "set role weights, e.g. `tessera weights set dev=1 prod=3`")
    .argument("<role=weight...>", "one or more ROLE=WEIGHT pairs")
    .action(
      runAction(async (pairs: string[], opts: MasterOptions) => {
        const weights = parseWeights(pairs);
        const master = await connect(opts);
        await master.call({ type: "UPDATE_WEIGHTS", update_weights: { weight_infos: weights } });
        process.stdout.write(
          `${weights.map((w) => `${w.role}=${formatScalar(w.weight)}`).join(" ")}\n`,
        );
      }),
    );
}

export function weightsCommand(): Command {
  return new Command("weights")
    .description("show or change role weights (GET_WEIGHTS / UPDATE_WEIGHTS)")
    .addCommand(getCommand(), { isDefault: true })
    .addCommand(setCommand());
}
