import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodedError } from '../errors/coded-error';

/** Raised before a child is started on a port something else already holds. */
export class PortInUseError extends CodedError<'port_in_use'> {
  constructor(
    readonly port: number,
    readonly purpose: string,
    readonly variable: string,
  ) {
    super(
      'port_in_use',
      `Port ${port} (${purpose}) is already in use. Stop whatever holds it, or set ${variable} to a free port.`,
    );
  }
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function assertPortFree(port: number, purpose: string, variable: string): Promise<void> {
  if (!(await isPortFree(port))) throw new PortInUseError(port, purpose, variable);
}

const PORT_RANGE_LOW = 10_000;
/** Reservations older than this are left over by a process that ended without releasing them. */
const RESERVATION_TTL_MS = 30 * 60_000;
const reservationDir = join(tmpdir(), 'mandate-port-reservations');
const reservedHere = new Set<number>();

/**
 * Below the OS's ephemeral range: the kernel hands ports of that range to outgoing connections,
 * which can take a port between the moment it was found free and the moment a child binds it.
 */
function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > PORT_RANGE_LOW + 1000) return low;
  } catch {
    // Not Linux: the IANA ephemeral range starts at 49152; the common Linux default is lower.
  }
  return 32768;
}

/**
 * A free port for a server that starts later, for tests and benchmarks that run several stacks side by
 * side. It comes from below the ephemeral range and is reserved with a file, so neither an outgoing
 * connection nor another test process picks it before its server binds it.
 */
export async function freePort(): Promise<number> {
  mkdirSync(reservationDir, { recursive: true });
  const high = ephemeralRangeStart();
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = randomInt(PORT_RANGE_LOW, high);
    if (!reserve(port)) continue;
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port found between ${PORT_RANGE_LOW} and ${high}`);
}

function reserve(port: number): boolean {
  const file = join(reservationDir, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const held = statSync(file, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs < RESERVATION_TTL_MS) return false;
    writeFileSync(file, String(process.pid));
  }
  if (reservedHere.size === 0) process.once('exit', releaseReservations);
  reservedHere.add(port);
  return true;
}

function releaseReservations() {
  for (const port of reservedHere) rmSync(join(reservationDir, String(port)), { force: true });
}
