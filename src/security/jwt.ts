// HS256 JSON Web Tokens (RFC 7519) as Mesos's agent signs them for executors (reference §1
// "Executor authentication"): header {"alg":"HS256","typ":"JWT"}, claims fid/eid/cid, an
// HMAC-SHA256 signature with `--jwt_secret_key`. Node's crypto is all HS256 needs; the compare
// is constant-time. Only HS256 is accepted: a token naming any other alg (`none` included) is
// refused, whatever its signature.
import { createHmac, timingSafeEqual } from "node:crypto";

export type JwtClaims = Readonly<Record<string, string>>;

/** Longest token read: a real one is ~250 bytes; this bounds the decoding work. */
export const JWT_MAX_BYTES = 8 * 1024;

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

function signature(input: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(input).digest();
}

export function signJwt(claims: JwtClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const input = `${HEADER}.${payload}`;
  return `${input}.${signature(input, secret).toString("base64url")}`;
}

/** The claims of a token signed with `secret`; undefined for anything else. */
export function verifyJwt(token: string, secret: string): JwtClaims | undefined {
  if (token.length > JWT_MAX_BYTES) return undefined;
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header = "", payload = "", sig = ""] = parts;
  const given = Buffer.from(sig, "base64url");
  const expected = signature(`${header}.${payload}`, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const head = parseObject(header);
  if (head?.alg !== "HS256") return undefined;
  const claims = parseObject(payload);
  if (claims === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(claims)) {
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

function parseObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
