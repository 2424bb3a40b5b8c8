// The result of every containerizer call that can fail as an operating error: the value, or a
// stable code with a message a user can act on (STYLE.md "Expected failures ... as values").
export type CodedResult<Code extends string, T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: Code; readonly message: string };
