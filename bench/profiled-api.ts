/**
 * The API as `npm run start:api` runs it, with the V8 CPU profiler under the bench's control: the
 * first SIGUSR2 starts it, the second writes the profile to `MANDATE_BENCH_PROFILE` (so start-up and
 * warm-up stay out of the profile).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import '../apps/api/src/main';

const named = process.env.MANDATE_BENCH_PROFILE;
if (!named) throw new Error('MANDATE_BENCH_PROFILE names the file the profile is written to');
const file: string = named;
const session = new Session();
session.connect();
let running = false;

async function toggle(): Promise<void> {
  if (!running) {
    running = true;
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    return;
  }
  const { profile } = await session.post('Profiler.stop');
  // Renamed once complete, so the bench never reads half a file.
  writeFileSync(`${file}.partial`, JSON.stringify(profile));
  renameSync(`${file}.partial`, file);
}

process.on('SIGUSR2', () => void toggle());
