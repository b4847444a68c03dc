import type { Logger } from '../logging/logger';
import type { ConnectionRecordsRepository } from './connection-records.repository';

/**
 * When each connection was last used, for the people who see their connections on a portal. The
 * hot path only notes the time in memory; the notes are written in one batch every `flushMs`, so a
 * vault hit costs no database write, and "last used" may be up to that long behind.
 */
export class ConnectionUse {
  private pending = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly records: Pick<ConnectionRecordsRepository, 'used'>,
    private readonly log: Logger,
    flushMs = 10_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  note(connectionId: string): void {
    this.pending.set(connectionId, new Date());
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    await this.records.used(batch).catch((err: unknown) => {
      this.log.warn({ err, connections: batch.size }, 'could not record when connections were last used');
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
