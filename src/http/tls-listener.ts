// The port of an HttpServer that speaks TLS. Every connection's first byte is read: 0x16 (a
// TLS handshake record) goes through the TLS handshake, anything else is plain HTTP — served
// only with LIBPROCESS_SSL_SUPPORT_DOWNGRADE, as libprocess does on one port; otherwise the
// connection is closed. Either way the connection is then handed to the node:http server as
// its own, so routes, limits and close() are the same with and without TLS.
import { once } from "node:events";
import type { Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import {
  createServer as createTlsServer,
  type TLSSocket,
  type Server as TlsServer,
} from "node:tls";
import type { TlsMaterial } from "./tls.ts";

/** The first byte of a TLS record carrying a handshake (RFC 8446 §5.1: ContentType 22). */
const TLS_HANDSHAKE_BYTE = 0x16;

/** How long a new connection may stay silent before its first byte, and its handshake take. */
export const TLS_FIRST_BYTE_TIMEOUT_MS = 10_000;
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** What happened to connections, for metrics and tests. */
export interface TlsListenerCounts {
  handshakes: number;
  handshakeFailures: number;
  plain: number;
  plainRefused: number;
}

export class TlsListener {
  readonly counts: TlsListenerCounts = {
    handshakes: 0,
    handshakeFailures: 0,
    plain: 0,
    plainRefused: 0,
  };
  private readonly front: Server;
  private readonly tls: TlsServer;
  /** Connections not yet handed to the http server (waiting for a byte or a handshake). */
  private readonly pending = new Set<Socket>();

  constructor(
    private readonly http: HttpServer,
    private readonly material: TlsMaterial,
  ) {
    const s = material.settings;
    // REQUIRE_CERT refuses clients without a valid certificate in the handshake; VERIFY_CERT
    // alone asks for one and refuses only a certificate that does not verify (secured()).
    this.tls = createTlsServer({
      ...(material.cert === undefined ? {} : { cert: material.cert, key: material.key }),
      ...(material.ca === undefined ? {} : { ca: material.ca }),
      requestCert: s.requireClientCert || s.verifyClientCert,
      rejectUnauthorized: s.requireClientCert,
      minVersion: s.minVersion,
      maxVersion: s.maxVersion,
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
      ...(s.ciphers === undefined ? {} : { ciphers: s.ciphers }),
      ...(s.ecdhCurve === undefined ? {} : { ecdhCurve: s.ecdhCurve }),
    });
    this.tls.on("secureConnection", (socket: TLSSocket) => this.secured(socket));
    this.tls.on("tlsClientError", (_error, socket: TLSSocket) => {
      this.counts.handshakeFailures++;
      socket.destroy();
    });
    this.front = createServer((socket) => this.accept(socket));
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    this.front.listen(port, host);
    await once(this.front, "listening");
    return this.front.address() as AddressInfo;
  }

  /**
   * Stops accepting and drops connections still before the http server; those it holds are
   * its own to close. Not awaited: a raw socket taken over by TLS never reports its close.
   */
  close(): void {
    this.front.close();
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
  }

  private accept(socket: Socket): void {
    this.pending.add(socket);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => this.pending.delete(socket));
    socket.setTimeout(TLS_FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      // Put the byte back: the TLS socket (or http parser) reads it again from the start.
      socket.unshift(chunk);
      // From here the socket is the TLS server's (its handshake timeout bounds it) or http's.
      this.pending.delete(socket);
      if (chunk[0] === TLS_HANDSHAKE_BYTE) {
        this.tls.emit("connection", socket);
      } else if (this.material.settings.supportDowngrade) {
        this.counts.plain++;
        this.http.emit("connection", socket);
        socket.resume();
      } else {
        // libprocess without downgrade closes a plaintext connection on a TLS port.
        this.counts.plainRefused++;
        socket.destroy();
      }
    });
  }

  private secured(socket: TLSSocket): void {
    const s = this.material.settings;
    if (s.verifyClientCert && !s.requireClientCert && !socket.authorized) {
      // A certificate that was presented and does not verify is refused; none at all passes.
      const presented = Object.keys(socket.getPeerCertificate()).length > 0;
      if (presented) {
        this.counts.handshakeFailures++;
        socket.destroy();
        return;
      }
    }
    this.counts.handshakes++;
    socket.on("error", () => socket.destroy());
    this.http.emit("connection", socket);
  }
}
