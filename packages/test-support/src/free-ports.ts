import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports a developer's `npm start` holds on this machine; never take them. */
const RESERVED_PORTS = new Set([3001, 3002, 3003, 3011, 3012]);

async function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port nobody listens on now, from the kernel's ephemeral range: fine for a process that gets a fresh one at every start. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (port !== 0 && !RESERVED_PORTS.has(port)) return port;
  }
}

/**
 * A free port BELOW the kernel's ephemeral range, for a service that must get
 * the same port back when it restarts (the APIs: clients and peers know it).
 * A port from the ephemeral range could be taken in the meantime by any
 * outgoing connection on the machine, and the restarted service would fail
 * with EADDRINUSE.
 */
export async function freeStablePort(): Promise<number> {
  let ephemeralFrom = 32_768;
  try {
    ephemeralFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralFrom;
  } catch {
    // Not Linux: keep the usual default.
  }
  const from = Math.min(20_000, ephemeralFrom - 1_000);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = from + Math.floor(Math.random() * (ephemeralFrom - from));
    if (!RESERVED_PORTS.has(port) && (await canListen(port))) return port;
  }
  throw new Error(`no free port between ${from} and ${ephemeralFrom}`);
}
