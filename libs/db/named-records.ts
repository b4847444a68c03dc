import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { TtlCache } from '../cache/ttl-cache';
import type { VaultDb } from './database';
import type { Database } from './schema';

/** The tables of resources keyed by name: workload identities, credential providers, principals. */
export type NamedTable = 'workload_identities' | 'api_key_providers' | 'oauth2_providers' | 'principals';

/** The columns every named table has; the queries below touch only these, whatever the table. */
interface NamedRow {
  name: string;
  tags: unknown;
  created_at: Date;
  updated_at: Date;
}

/**
 * What the name-keyed repositories truly share: one row per name, with tags, read one at a time or
 * a page at a time in name order; inserted only when the name is free; updated and deleted by name.
 * Each repository adds its own columns and record shape. With a cache (the hot path's), `find` reads
 * through it and every write drops the entry it changes, so no caller invalidates by hand; other
 * processes see a change within the cache's TTL.
 *
 * @example
 * class WidgetsRepository extends NamedRecords<'widgets', Widget> { ... }
 */
export abstract class NamedRecords<T extends NamedTable, R> {
  constructor(
    protected readonly db: VaultDb,
    private readonly table: T,
    private readonly toRecord: (row: Selectable<Database[T]>) => R,
    private readonly cache?: TtlCache<string, R | undefined>,
  ) {}

  /**
   * The queries are the same on every named table; Kysely cannot type a query over a table
   * parameter, so they run on a view of the database with one table of the shared columns.
   */
  private get named() {
    return {
      db: this.db as unknown as Kysely<{ named: NamedRow }>,
      table: this.table as unknown as 'named',
      record: (row: unknown) => this.toRecord(row as Selectable<Database[T]>),
    };
  }

  async exists(name: string): Promise<boolean> {
    const { db, table } = this.named;
    return (
      (await db.selectFrom(table).select('name').where('name', '=', name).executeTakeFirst()) !== undefined
    );
  }

  find(name: string): Promise<R | undefined> {
    return this.cache ? this.cache.find(name, () => this.load(name)) : this.load(name);
  }

  private async load(name: string): Promise<R | undefined> {
    const { db, table, record } = this.named;
    const row = await db.selectFrom(table).selectAll().where('name', '=', name).executeTakeFirst();
    return row ? record(row) : undefined;
  }

  /** Names in order, starting after `after`; one more than `limit` tells whether a next page exists. */
  async page(limit: number, after?: string): Promise<R[]> {
    const { db, table, record } = this.named;
    let query = db
      .selectFrom(table)
      .selectAll()
      .orderBy('name')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.execute()).map(record);
  }

  /** Inserts a new row; false when the name is taken. */
  protected async insertRow(values: Insertable<Database[T]>): Promise<boolean> {
    const { db, table } = this.named;
    const inserted = await db
      .insertInto(table)
      .values(values as unknown as NamedRow)
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    this.cache?.delete((values as unknown as NamedRow).name);
    return inserted !== undefined;
  }

  /** Sets columns of one row; the updated record, or undefined when there is no such row. */
  protected async updateRow(name: string, changes: Updateable<Database[T]>): Promise<R | undefined> {
    const { db, table, record } = this.named;
    const row = await db
      .updateTable(table)
      .set(changes as unknown as Partial<NamedRow>)
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    this.cache?.delete(name);
    return row ? record(row) : undefined;
  }

  /** The deleted record, or undefined when there was none. */
  async delete(name: string): Promise<R | undefined> {
    const { db, table, record } = this.named;
    const row = await db.deleteFrom(table).where('name', '=', name).returningAll().executeTakeFirst();
    this.cache?.delete(name);
    return row ? record(row) : undefined;
  }

  /** Replaces the tag map; the updated record, or undefined when there is no such row. */
  setTags(name: string, tags: Record<string, string>): Promise<R | undefined> {
    return this.updateRow(name, { tags: JSON.stringify(tags) } as unknown as Updateable<Database[T]>);
  }
}
