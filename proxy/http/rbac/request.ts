// What the RBAC engine may look at: the attributes a proxy knows about one
// HTTP request and the connection it arrived on. The listener and the HTTP
// layer fill this in once per request; the engine only reads it.

/** A value in Envoy's dynamic metadata (a google.protobuf.Value). */
export type MetadataValue =
  | null
  | boolean
  | number
  | string
  | readonly MetadataValue[]
  | MetadataStruct;

/** A google.protobuf.Struct. */
export interface MetadataStruct {
  readonly [key: string]: MetadataValue;
}

/** Dynamic metadata by filter namespace (e.g. `istio_authn`), as filters earlier in the chain set it. */
export type DynamicMetadata = Readonly<Record<string, MetadataStruct | undefined>>;

/** The peer's certificate on a TLS connection. */
export interface PeerCertificate {
  /** URI SANs, e.g. `spiffe://cluster.local/ns/shop/sa/frontend`. */
  readonly uriSans: readonly string[];
  readonly dnsSans: readonly string[];
  /** Subject as an RFC 2253 string; empty when unknown. */
  readonly subject: string;
}

/**
 * Request headers by lower-case name, in Node's shape (`IncomingHttpHeaders`):
 * a repeated header is either one string Node already joined or an array,
 * which the engine joins with "," as Envoy does. Pseudo-headers are not here:
 * they are the `method`, `path` and `authority` fields.
 */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Request headers as the proxy's codecs hold them: a flat [name, value, …]
 * array with lower-case names, read in place. The HTTP filter hands this over
 * instead of building a record per request (one dictionary-mode object per
 * request, only to be read for the few names the policies mention).
 */
export class HeaderFields {
  readonly flat: readonly string[];
  constructor(flat: readonly string[]) {
    this.flat = flat;
  }
  /** The value, a repeated header's values joined with "," (as RequestHeaders are read); undefined when absent. */
  get(lowerName: string): string | undefined {
    const h = this.flat;
    let v: string | undefined;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === lowerName) v = v === undefined ? (h[i + 1] as string) : `${v},${h[i + 1] as string}`;
    }
    return v;
  }
}

export interface RbacRequest {
  /**
   * The downstream connection's TLS state: null for plaintext. A TLS
   * connection without a client certificate has empty SANs and subject.
   */
  readonly tls: PeerCertificate | null;
  /** The address of the TCP peer (Envoy's direct remote address; Istio's source.ip). */
  readonly directRemoteIp: string;
  /**
   * The original client address, after X-Forwarded-For / PROXY protocol
   * processing (Envoy's remote address; Istio's remote.ip). Equal to
   * directRemoteIp when nothing upstream of the proxy is trusted.
   */
  readonly remoteIp: string;
  /** The local address the connection was accepted on (Istio's destination.ip). */
  readonly destinationIp: string;
  /** The local port the connection was accepted on (Istio's destination.port). */
  readonly destinationPort: number;
  /** TLS SNI; empty string when none was sent (Envoy's requestedServerName()). */
  readonly sni: string;
  /** `:method`; undefined when evaluating a TCP connection (network RBAC). */
  readonly method: string | undefined;
  /** `:path` as received, with the query string; undefined for a TCP connection. */
  readonly path: string | undefined;
  /** `:authority` (HTTP/1's Host); undefined when the request had none (HTTP/1.0). */
  readonly authority: string | undefined;
  /** Empty for a TCP connection. */
  readonly headers: RequestHeaders | HeaderFields;
  readonly metadata: DynamicMetadata;
}
