import { createServer } from 'node:net';

/** Raised before a child is started on a port something else already holds. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly purpose: string,
    readonly variable: string,
  ) {
    super(
      `Port ${port} (${purpose}) is already in use. Stop whatever holds it, or set ${variable} to a free port.`,
    );
    this.name = 'PortInUseError';
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

/** A port the OS says is free now; for tests that run several stacks side by side. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
