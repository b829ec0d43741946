/**
 * Free TCP ports on 127.0.0.1, chosen by the kernel at runtime.
 *
 * The ports are released before the caller binds them, so another process can take one in between.
 * Callers that start a server on them (see dovecot.ts) must retry with fresh ports when the bind fails.
 */
import { createServer, type Server } from 'node:net';

function listenOnce(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}

/** `count` distinct free ports. All are held open together, so they never repeat within one call. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnce(host));
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('unexpected listener address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}
