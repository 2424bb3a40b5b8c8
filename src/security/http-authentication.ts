// HTTP authentication as libprocess does it (reference §1): each realm has authenticators only
// when its flag is on; a request to a realm without any passes with no principal, and its
// Authorization header is ignored. With authenticators, the first that accepts the request wins
// (`--http_authenticators=basic[,jwt]`); when none does, 401 `401 Unauthorized.` with one
// `WWW-Authenticate` challenge per authenticator, joined with ','.
//
// Basic: `Basic <base64>`, decoded and split on ':' into exactly two parts (so a ':' in the
// secret never works, as in Mesos), matched exactly against the credentials. JWT (`Bearer`):
// an HS256 token signed with the agent's key; its claims travel with the principal.
import { timingSafeEqual } from "node:crypto";
import { type JwtClaims, verifyJwt } from "./jwt.ts";

/** Who a request authenticated as; `claims` only from a JWT. */
export interface Principal {
  readonly value: string | undefined;
  readonly claims?: JwtClaims;
}

export type AuthenticationOutcome =
  | { readonly kind: "authenticated"; readonly principal: Principal }
  /** The realm authenticates nobody: no principal, as in Mesos. */
  | { readonly kind: "open" }
  | { readonly kind: "unauthorized"; readonly challenge: string };

export interface HttpAuthenticator {
  /** `Basic realm="…"`, `Bearer realm="…"`. */
  challenge(realm: string): string;
  authenticate(header: string): Principal | undefined;
}

/** Longest Authorization header looked at; a real Basic one is well under 1 KiB. */
export const AUTHORIZATION_HEADER_MAX_BYTES = 16 * 1024;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Headers that authenticated, with their principal: a scheduler sends the same header on every
 * call, and decoding and comparing it each time cost a few percent of the call rate. Only exact
 * successes are kept (the same header always gives the same answer: credentials are fixed at
 * start-up); bounded, and cleared when full.
 */
export const BASIC_CACHE_MAX_ENTRIES = 1024;

export function basicAuthenticator(credentials: ReadonlyMap<string, string>): HttpAuthenticator {
  const known = new Map<string, Principal>();
  return {
    challenge: (realm) => `Basic realm="${realm}"`,
    authenticate(header) {
      const cached = known.get(header);
      if (cached !== undefined) return cached;
      const principal = checkBasic(credentials, header);
      if (principal !== undefined) {
        if (known.size >= BASIC_CACHE_MAX_ENTRIES) known.clear();
        known.set(header, principal);
      }
      return principal;
    },
  };
}

function checkBasic(
  credentials: ReadonlyMap<string, string>,
  header: string,
): Principal | undefined {
  if (!header.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice("Basic ".length).trim(), "base64").toString("utf8");
  const parts = decoded.split(":");
  if (parts.length !== 2) return undefined;
  const [principal = "", secret = ""] = parts;
  const expected = credentials.get(principal);
  if (expected === undefined || !safeEqual(expected, secret)) return undefined;
  return { value: principal };
}

/** Mesos's JWT authenticator: a valid token authenticates with its claims, no principal name. */
export function jwtAuthenticator(secretKey: string): HttpAuthenticator {
  return {
    challenge: (realm) => `Bearer realm="${realm}"`,
    authenticate(header) {
      if (!header.startsWith("Bearer ")) return undefined;
      const claims = verifyJwt(header.slice("Bearer ".length).trim(), secretKey);
      return claims === undefined ? undefined : { value: undefined, claims };
    },
  };
}

/** The realms of one process and the authenticators each has (none: the realm is open). */
export class RealmAuthentication {
  readonly #realms: ReadonlyMap<string, readonly HttpAuthenticator[]>;

  constructor(realms: ReadonlyMap<string, readonly HttpAuthenticator[]>) {
    this.#realms = realms;
  }

  /** Whether `realm` authenticates anybody. */
  enabled(realm: string): boolean {
    return (this.#realms.get(realm)?.length ?? 0) > 0;
  }

  authenticate(realm: string, header: string | string[] | undefined): AuthenticationOutcome {
    const authenticators = this.#realms.get(realm);
    if (authenticators === undefined || authenticators.length === 0) return { kind: "open" };
    const text = Array.isArray(header) ? header[0] : header;
    if (text !== undefined && text.length <= AUTHORIZATION_HEADER_MAX_BYTES) {
      for (const authenticator of authenticators) {
        const principal = authenticator.authenticate(text);
        if (principal !== undefined) return { kind: "authenticated", principal };
      }
    }
    return {
      kind: "unauthorized",
      challenge: authenticators.map((a) => a.challenge(realm)).join(","),
    };
  }
}

/** The Authorization header value a client sends for a credential. */
export function basicAuthorization(principal: string, secret: string): string {
  return `Basic ${Buffer.from(`${principal}:${secret}`).toString("base64")}`;
}
