// Random UUIDs as Mesos carries them in `bytes` fields (TaskStatus.uuid): the agent, the
// command executor and the SDK's executor client all stamp status updates with one.
import { randomFillSync } from "node:crypto";

/** Random bytes drawn 256 UUIDs at a time: one call into the system's generator per batch. */
const UUID_POOL = Buffer.alloc(16 * 256);
let uuidPoolOffset = UUID_POOL.length;

/**
 * A random (version 4) UUID as Mesos carries one in a `bytes` field (TaskStatus.uuid): its 16
 * bytes, base64. The bytes come from a pool refilled by randomFillSync, as crypto.randomUUID
 * does internally; randomBytes(16) per status update cost a call into the system's generator
 * each time, and going through randomUUID's text cost a hex parse.
 */
export function randomUuidBase64(): string {
  if (uuidPoolOffset === UUID_POOL.length) {
    randomFillSync(UUID_POOL);
    uuidPoolOffset = 0;
  }
  const at = uuidPoolOffset;
  uuidPoolOffset += 16;
  // RFC 4122: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
  UUID_POOL[at + 6] = ((UUID_POOL[at + 6] ?? 0) & 0x0f) | 0x40;
  UUID_POOL[at + 8] = ((UUID_POOL[at + 8] ?? 0) & 0x3f) | 0x80;
  return UUID_POOL.toString("base64", at, at + 16);
}
