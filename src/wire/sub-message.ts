// Mesos's v1 calls and events are unions by a `type` field that names the one sub-message
// carrying the body (KILL → `kill`); some types carry none (HEARTBEAT). Every validator of
// such a message, on either end of every API, starts with the same check.

/**
 * A type must be set, and a message whose type needs a sub-message must carry it. `fields`
 * maps each such type to its field. Returns Mesos's message, or undefined.
 */
export function checkSubMessage(
  message: { readonly type?: string | undefined },
  fields: Readonly<Record<string, string>>,
): string | undefined {
  if (message.type === undefined) return "Expecting 'type' to be present";
  const field = fields[message.type];
  if (field !== undefined && (message as Record<string, unknown>)[field] === undefined) {
    return `Expecting '${field}' to be present`;
  }
  return undefined;
}
