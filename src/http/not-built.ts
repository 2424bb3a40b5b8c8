// The 501 of a v1 API for a call Tessera does not carry out: Mesos answers every call type
// it knows, so the message names the call and what it needs; UNKNOWN (or a type the API has
// no plan for) is Mesos's own "Unsupported call type".
import { type HttpResponse, textResponse } from "./response.ts";

export function notBuiltResponse<T extends string>(
  api: "master" | "agent",
  type: T | undefined,
  notBuilt: Partial<Record<T, string>>,
): HttpResponse {
  const what = type === undefined ? undefined : notBuilt[type];
  if (type === undefined || what === undefined) {
    return textResponse(501, `Unsupported call type '${type ?? "UNKNOWN"}'`);
  }
  return textResponse(
    501,
    `${api}::Call '${type}' is not built yet: Tessera does not support ${what} yet`,
  );
}
