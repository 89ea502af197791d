// TLS termination for a filter chain with a DownstreamTlsContext. The
// listener accepts TCP itself (it sniffs the first bytes to pick the chain),
// then hands the socket, with the bytes it already read, to a node:tls server
// that never listens: `emit('connection')` runs node's own server handshake
// (handshake timeout, client certificate request, ALPN). The certificate is
// re-read from the Secrets on each connection and swapped in with
// `setSecureContext` when it changed, so a rotation reaches new handshakes
// and leaves established connections alone.

import type net from 'node:net';
import tls from 'node:tls';
import type { PeerCertificate } from '../http/rbac/request.ts';
import { checkSans, type DownstreamTlsConfig } from './config.ts';
import { sansOf, type TlsSecrets } from './secrets.ts';

export type Terminated =
  | { readonly ok: true; readonly socket: tls.TLSSocket; readonly peer: PeerCertificate; readonly mutual: boolean; readonly sni: string; readonly alpn: string }
  | { readonly ok: false; readonly reason: string };

export type TerminatedCallback = (r: Terminated) => void;

const fourTuple = (s: net.Socket): string => `${s.localAddress ?? ''}|${s.localPort ?? 0}|${s.remoteAddress ?? ''}|${s.remotePort ?? 0}`;

export class TlsTerminator {
  readonly config: DownstreamTlsConfig;
  readonly #secrets: TlsSecrets;
  readonly #server: tls.Server;
  #version = -1;
  // node's server hands back a TLSSocket, not the socket we gave it: the connection's addresses tie the two.
  readonly #pending = new Map<string, TerminatedCallback>();
  /** Handshakes that completed and passed the checks / that did not. */
  handshakes = 0;
  failures = 0;

  /** `http2`: the chain's connection manager speaks HTTP/2, so `h2` may be chosen by ALPN (else it is not offered). */
  constructor(secrets: TlsSecrets, config: DownstreamTlsConfig, http2: boolean, handshakeTimeoutMs = 10_000) {
    const alpn = http2 ? config.alpn : config.alpn.filter((a) => a !== 'h2');
    this.config = config;
    this.#secrets = secrets;
    this.#server = tls.createServer({
      // Asked for whenever there is a bundle to verify it with; required or not is checked after the handshake, with a reason.
      requestCert: config.validationSecret !== undefined,
      rejectUnauthorized: false,
      handshakeTimeout: handshakeTimeoutMs,
      // Envoy's rule: the context's alpn_protocols, in its order; none configured, none negotiated.
      ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
    });
    this.#server.on('secureConnection', this.#onSecure);
    this.#server.on('tlsClientError', this.#onError);
  }

  /**
   * Runs the server handshake on `socket` (`initial`: bytes the listener
   * already read from it). `done` is called once, unless the client goes away
   * first.
   */
  accept(socket: net.Socket, initial: Buffer | null, done: TerminatedCallback): void {
    const m = this.#secrets.material(this.config.certificateSecret, this.config.validationSecret);
    if (!m.ok) {
      this.failures++;
      socket.destroy();
      done({ ok: false, reason: m.reason });
      return;
    }
    if (this.#version !== this.#secrets.version) {
      try {
        this.#server.setSecureContext({ key: m.key, cert: m.cert, ...(m.ca !== undefined ? { ca: m.ca } : {}) });
      } catch (e) {
        this.failures++;
        socket.destroy();
        done({ ok: false, reason: `the Secrets do not make a TLS context: ${(e as Error).message}` });
        return;
      }
      this.#version = this.#secrets.version;
    }
    const key = fourTuple(socket);
    this.#pending.set(key, done);
    socket.once('close', () => {
      if (this.#pending.get(key) === done) this.#pending.delete(key);
    });
    if (initial !== null && initial.length > 0) socket.unshift(initial);
    this.#server.emit('connection', socket);
  }

  #take(s: net.Socket): TerminatedCallback | undefined {
    const key = fourTuple(s);
    const cb = this.#pending.get(key);
    this.#pending.delete(key);
    return cb;
  }

  #onSecure = (s: tls.TLSSocket): void => {
    const done = this.#take(s);
    if (done === undefined) {
      s.destroy();
      return;
    }
    const refuse = (reason: string): void => {
      this.failures++;
      s.destroy();
      done({ ok: false, reason });
    };
    const cert = s.getPeerX509Certificate();
    let peer: PeerCertificate = NO_PEER;
    if (cert !== undefined) {
      if (!s.authorized) {
        const why: unknown = s.authorizationError;
        return refuse(`the client's certificate was not verified: ${why instanceof Error ? why.message : String(why)}`);
      }
      peer = sansOf(cert);
      const sans = checkSans(this.config.sans, peer.uriSans, peer.dnsSans);
      if (!sans.ok) return refuse(sans.reason);
    } else if (this.config.requireClientCertificate) return refuse('the client presented no certificate, and one is required');
    this.handshakes++;
    const servername = (s as tls.TLSSocket & { servername?: string | false }).servername;
    done({ ok: true, socket: s, peer, mutual: cert !== undefined, sni: typeof servername === 'string' ? servername : '', alpn: typeof s.alpnProtocol === 'string' ? s.alpnProtocol : '' });
  };

  #onError = (err: Error, s: tls.TLSSocket): void => {
    const done = this.#take(s);
    this.failures++;
    s.destroy();
    done?.({ ok: false, reason: `TLS handshake failed: ${err.message}` });
  };

  close(): void {
    this.#server.removeAllListeners();
    this.#pending.clear();
  }
}

/** TLS without a client certificate: empty SANs and subject, as RBAC expects. */
const NO_PEER: PeerCertificate = Object.freeze({ uriSans: Object.freeze([]), dnsSans: Object.freeze([]), subject: '' });
