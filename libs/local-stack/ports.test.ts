import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort, isPortFree } from './ports';

const PORTS_MODULE = join(__dirname, 'ports.ts');
const reservation = (port: number) => join(tmpdir(), 'mandate-port-reservations', String(port));

/** Ports found by another process, which holds its reservations until it exits. */
async function portsOfAnotherProcess(count: number): Promise<number[]> {
  const script = `const { freePort } = require(${JSON.stringify(PORTS_MODULE)});
    (async () => {
      const ports = [];
      for (let i = 0; i < ${count}; i++) ports.push(await freePort());
      process.stdout.write(JSON.stringify(ports));
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script]);
  return JSON.parse(stdout) as number[];
}

describe('freePort', () => {
  it('never hands out one port twice, here or to a parallel process, and stays below the ephemeral range', async () => {
    const [theirs, ...ours] = await Promise.all([
      portsOfAnotherProcess(40),
      ...Array.from({ length: 40 }, () => freePort()),
    ]);
    const all = [...theirs, ...ours];
    assert.equal(new Set(all).size, 80, 'all distinct');
    const ephemeralStart = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    for (const port of all)
      assert.ok(port >= 10_000 && port < ephemeralStart, `${port} is below the ephemeral range`);
    for (const port of ours) {
      assert.ok(await isPortFree(port), `${port} can be bound`);
      assert.equal(readFileSync(reservation(port), 'utf8'), String(process.pid), 'reserved by this process');
    }
    for (const port of theirs) assert.ok(!existsSync(reservation(port)), 'released when that process exited');
  });
});
