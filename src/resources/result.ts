// Expected failures of parsing and validation are returned as values with a stable code.

export type ResourcesErrorCode = "INVALID_RESOURCES" | "INVALID_ATTRIBUTES" | "INVALID_QUANTITIES";

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: ResourcesErrorCode; readonly message: string };

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T>(code: ResourcesErrorCode, message: string): ParseResult<T> {
  return { ok: false, code, message };
}
