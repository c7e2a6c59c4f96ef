// An embedded PGlite directory may be open in one process only (two would corrupt it): a lock file
// beside it names the owning pid; a lock whose process is gone is stale and taken over.

import { open, readFile, unlink } from 'node:fs/promises';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir` or throws naming the process that holds it; resolves to a release. */
export async function lockPgliteDir(dir: string): Promise<() => Promise<void>> {
  const path = `${dir.replace(/\/+$/, '')}.lock`;
  for (let tries = 0; tries < 2; tries += 1) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      // This very process counts too: two handles on one directory corrupt it just the same.
      if (Number.isInteger(owner) && owner > 0 && (owner === process.pid || isAlive(owner))) {
        throw new Error(
          `the embedded database ${dir} is open in process ${owner}; stop it first, or configure database.url (PostgreSQL) to share traces between processes`,
        );
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new Error(`could not lock the embedded database ${dir}`);
}
