import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The emulator's whole state as one JSON document, rewritten atomically (temp file + rename) after
 * every change. Small by design: a developer's secrets and keys, not a production data set.
 */
export class JsonStore<T extends object> {
  readonly state: T;

  constructor(
    private readonly file: string | undefined,
    initial: () => T,
  ) {
    this.state = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : initial();
  }

  save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
