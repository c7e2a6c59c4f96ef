// One embedded PGlite database per directory per process, shared by its owners (the trace store,
// the key store, the dashboard's reads): each opener gets a handle of its own over one child
// process, and the child closes when the last handle does. Two children on one directory would
// corrupt it (the directory lock refuses the second); one child per owner in separate directories
// cost ~190-260 MB of memory each (BENCHMARKS.md, tenth session).
//
// Each opener's migrations run in turn (PGlite has no advisory lock: two openers applying theirs
// at once would interleave their transactions). If the child dies, the directory is released as
// soon as it has ended, so that the owners, told by `onLost`, reopen it: the first reopen starts a
// new child and the others share it.

import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  openDatabase,
  runMigrations,
  type CopyPart,
  type Database,
  type Migration,
} from './database.js';
import { lockPgliteDir } from './pglite-lock.js';

export interface EmbeddedDatabaseOptions {
  /** A directory: not 'memory://' (in-memory databases are never shared). */
  pgliteDir: string;
  pgliteSharedBuffersMb?: number | undefined;
  statementTimeoutMs?: number | undefined;
}

interface Shared {
  database: Promise<Database>;
  handles: number;
  /** The migrations of every opener so far, one after another. */
  migrating: Promise<unknown>;
}

const open = new Map<string, Shared>();
/** Directories whose last child is ending: the next open waits for its lock to be released. */
const releasing = new Map<string, Promise<void>>();

function release(key: string, work: Promise<void>): Promise<void> {
  const done = work.finally(() => {
    if (releasing.get(key) === done) releasing.delete(key);
  });
  releasing.set(key, done);
  return done;
}

/** How many embedded databases this process holds open (tests). */
export function sharedEmbeddedDatabaseCount(): number {
  return open.size;
}

/**
 * Opens the embedded database in `options.pgliteDir` (creating it if needed), or shares the child
 * already serving it in this process, and applies `migrations`. The handle's `close` releases this
 * owner's share only.
 */
export async function openSharedEmbeddedDatabase(
  options: EmbeddedDatabaseOptions,
  migrations: readonly Migration[],
): Promise<Database> {
  const key = resolve(options.pgliteDir);
  let shared = open.get(key);
  if (!shared) {
    const entry: Shared = {
      database: startServing(key, options, () => {
        // The child died: release the directory now, for whoever opens it next.
        if (open.get(key) === entry) open.delete(key);
      }),
      handles: 0,
      migrating: Promise.resolve(),
    };
    entry.database.catch(() => {
      if (open.get(key) === entry) open.delete(key);
    });
    open.set(key, entry);
    shared = entry;
  }
  const entry = shared;
  entry.handles += 1;
  let closed = false;
  let closing: Promise<void> | undefined;
  let database: Database;
  try {
    database = await entry.database;
    const migrated = entry.migrating.then(() => runMigrations(database, migrations));
    entry.migrating = migrated.catch(() => undefined);
    await migrated;
  } catch (error) {
    await closeHandle();
    throw error;
  }

  function closeHandle(): Promise<void> {
    closing ??= (async () => {
      entry.handles -= 1;
      if (entry.handles > 0) return;
      if (open.get(key) === entry) {
        open.delete(key);
        await release(
          key,
          entry.database.then(
            (database) => database.close(),
            () => undefined,
          ),
        );
      } else {
        // Lost (or failed to open): the release began then.
        await releasing.get(key);
      }
    })();
    return closing;
  }

  // A closed handle refuses statements, as a closed database does, though its child may still
  // serve the other owners.
  const refused = () => Promise.reject(new Error(`the embedded database ${key} was closed`));
  const copyFrom = database.copyFrom?.bind(database);
  const handle: Database = {
    kind: database.kind,
    query: (sql, params) => (closed ? refused() : database.query(sql, params)),
    exec: (sql) => (closed ? refused() : database.exec(sql)),
    withConnection: (work) => work(handle),
    ...(copyFrom
      ? {
          copyFrom: (sql: string, parts: readonly CopyPart[]) =>
            closed ? refused() : copyFrom(sql, parts),
        }
      : {}),
    onLost(listener) {
      database.onLost?.((error) => {
        if (!closed) listener(error);
      });
    },
    close() {
      closed = true;
      return closeHandle();
    },
  };
  return handle;
}

async function startServing(
  key: string,
  options: EmbeddedDatabaseOptions,
  onLost: () => void,
): Promise<Database> {
  // A child of this directory that was lost or closed must have ended and unlocked first.
  await releasing.get(key);
  await mkdir(dirname(options.pgliteDir), { recursive: true });
  const unlock = await lockPgliteDir(options.pgliteDir);
  let database: Database;
  try {
    database = await openDatabase({
      pgliteDir: options.pgliteDir,
      ...(options.statementTimeoutMs !== undefined
        ? { statementTimeoutMs: options.statementTimeoutMs }
        : {}),
      pgliteSharedBuffersMb: options.pgliteSharedBuffersMb,
    });
  } catch (error) {
    await unlock();
    throw error;
  }
  const close = database.close.bind(database);
  let closing: Promise<void> | undefined;
  // Once: the lock file must not be removed twice (the second time it may be a new child's).
  const closeAndUnlock = () =>
    (closing ??= close()
      .catch(() => undefined)
      .then(unlock));
  // Registered before any owner's listener, so the directory is on its way to release when they
  // reopen it.
  database.onLost?.(() => {
    onLost();
    void release(key, closeAndUnlock());
  });
  return Object.assign(database, { close: closeAndUnlock });
}
