/**
 * node:net and node:tls for imapflow, through its documented `transport` option, so the engine holds the
 * sockets of each connection:
 * - the TCP socket counts every byte heard, TLS handshake records included (a TLS socket counts only
 *   decrypted data), which tells "the server went quiet" from "the server never said a word";
 * - the session socket (TLS after STARTTLS) is what the stall watch reads progress from once signed in;
 * - a STARTTLS handshake that stops gets the stall limit (imapflow's own limit for it is a fixed 10 s).
 * Connections are made as imapflow makes them itself: the same TLS options, SNI name and host.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ImapTransport, ImapTransportOptions, ImapTransportSocket } from 'imapflow';
import { stallError } from './stall-watch.js';

export interface SocketFacts {
  /** The server accepted the TCP connection. */
  readonly connected: boolean;
  /** Bytes received so far, TLS records included. */
  heard(): number;
  /** The socket the IMAP session runs on now; undefined before connect(). */
  readonly session: net.Socket | undefined;
}

/** imapflow waits this long for a STARTTLS handshake, whatever its options say. */
export const IMAPFLOW_UPGRADE_MS = 10_000;

export function nodeTransport(limitMs: number): { transport: ImapTransport; facts: SocketFacts } {
  let tcp: net.Socket | undefined;
  let session: net.Socket | undefined;
  let connected = false;
  const facts: SocketFacts = {
    get connected() {
      return connected;
    },
    heard: () => tcp?.bytesRead ?? 0,
    get session() {
      return session;
    },
  };
  const secure = (socket: net.Socket, o: ImapTransportOptions, onSecure: () => void): tls.TLSSocket =>
    tls.connect({ ...o.tls, socket, host: o.host, ...(o.servername ? { servername: o.servername } : {}) }, onSecure);

  const transport: ImapTransport = {
    connect(o, onConnect) {
      tcp = net.connect({ host: o.host, port: o.port });
      tcp.once('connect', () => (connected = true));
      // TLS over our own TCP socket (not tls.connect({ host, port })), so the handshake bytes are counted.
      if (o.secure) session = secure(tcp, o, onConnect);
      else session = tcp.once('connect', onConnect);
      return session as ImapTransportSocket;
    },
    upgrade(socket, o, onSecure) {
      const s = secure(socket as net.Socket, o, onSecure);
      session = s;
      const timer = setTimeout(() => s.destroy(stallError({ stallMs: limitMs, during: 'the TLS handshake', heard: true })), limitMs);
      const done = (): void => clearTimeout(timer);
      s.once('secureConnect', done);
      s.once('close', done);
      return s as ImapTransportSocket;
    },
  };
  return { transport, facts };
}
