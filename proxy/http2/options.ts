// Envoy's Http2ProtocolOptions (config.core.v3) → frozen settings, for the
// connection manager (downstream sessions) and for clusters (upstream
// sessions). What node:http2 (nghttp2) can honour is used; the rest of
// Envoy's flood and abuse knobs have nghttp2's own limits instead
// (docs/proxy.md, HTTP/2).

import { at, fail, fields, uint } from '../config/read.ts';

export interface Http2Options {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we announce (downstream) or use at most per connection (upstream). */
  readonly maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE: per-stream flow-control window. */
  readonly initialStreamWindow: number;
  /** The connection's flow-control window. */
  readonly initialConnectionWindow: number;
  readonly hpackTableSize: number;
}

const MAX_WINDOW = 2 ** 31 - 1;

/**
 * Downstream: 100 concurrent streams per connection unless configured
 * (Envoy's default is 2^31-1, unbounded; a proxy facing any client wants a
 * bound: per-connection work stays finite, as Envoy's edge guidance says).
 * Windows of 1 MiB per stream and 16 MiB per connection (Envoy's are
 * 256 MiB; smaller keeps memory per slow reader bounded while backpressure
 * still lets loopback run at full speed).
 */
export const DOWNSTREAM_HTTP2_DEFAULTS: Http2Options = Object.freeze({ maxConcurrentStreams: 100, initialStreamWindow: 1 << 20, initialConnectionWindow: 16 << 20, hpackTableSize: 4096 });
/** Upstream: the peer's SETTINGS bound the streams per connection (Envoy's default, 2^31-1, is no bound of our own). */
export const UPSTREAM_HTTP2_DEFAULTS: Http2Options = Object.freeze({ maxConcurrentStreams: MAX_WINDOW, initialStreamWindow: 1 << 20, initialConnectionWindow: 16 << 20, hpackTableSize: 4096 });

export function parseHttp2Options(value: unknown, path: string, defaults: Http2Options): Http2Options {
  const f = fields(value, path, {
    what: 'HTTP/2 protocol options',
    known: ['max_concurrent_streams', 'initial_stream_window_size', 'initial_connection_window_size', 'hpack_table_size', 'allow_connect'],
    // nghttp2 applies its own flood limits (outbound frames, empty frames, PRIORITY, WINDOW_UPDATE), see docs/proxy.md.
    ignored: [
      'max_outbound_frames', 'max_outbound_control_frames', 'max_consecutive_inbound_frames_with_empty_payload', 'max_inbound_priority_frames_per_stream',
      'max_inbound_window_update_frames_per_data_frame_sent', 'stream_error_on_invalid_http_messaging', 'override_stream_error_on_invalid_http_message',
      'connection_keepalive', 'allow_metadata', 'custom_settings_parameters', 'use_oghttp2_codec', 'max_metadata_size',
    ],
  });
  if (f['allow_connect'] === true) fail(at(path, 'allow_connect'), 'extended CONNECT is not supported');
  const maxConcurrentStreams = uint(f['max_concurrent_streams'], at(path, 'max_concurrent_streams'), defaults.maxConcurrentStreams);
  if (maxConcurrentStreams < 1 || maxConcurrentStreams > MAX_WINDOW) fail(at(path, 'max_concurrent_streams'), 'must be within 1..2147483647');
  const initialStreamWindow = uint(f['initial_stream_window_size'], at(path, 'initial_stream_window_size'), defaults.initialStreamWindow);
  if (initialStreamWindow < 65535 || initialStreamWindow > MAX_WINDOW) fail(at(path, 'initial_stream_window_size'), 'must be within 65535..2147483647');
  const initialConnectionWindow = uint(f['initial_connection_window_size'], at(path, 'initial_connection_window_size'), defaults.initialConnectionWindow);
  if (initialConnectionWindow < 65535 || initialConnectionWindow > MAX_WINDOW) fail(at(path, 'initial_connection_window_size'), 'must be within 65535..2147483647');
  const hpackTableSize = uint(f['hpack_table_size'], at(path, 'hpack_table_size'), defaults.hpackTableSize);
  return Object.freeze({ maxConcurrentStreams, initialStreamWindow, initialConnectionWindow, hpackTableSize: Math.min(hpackTableSize, MAX_WINDOW) });
}
