// An optional proto enum field with a declared `[default = X]` (e.g. Environment.Variable.type
// = VALUE): absent or unknown names read as the default (proto2 semantics for an unset field),
// and the default is emitted on output like every other declared default (reference §0.1).
import { optionalEnum } from "./json.ts";

export function enumWithDefault<const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
) {
  return optionalEnum(values).transform((v): T[number] => v ?? fallback);
}
