/**
 * Writing a manifest so a watching gateway never reads half of it: a temp file in the same folder
 * (so rename stays on one filesystem), fsync, rename over the target, fsync the folder. The temp
 * name starts with a dot and ends in .tmp, which the file source never reads.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `text` to `file` atomically with file `mode` (0o600 for anything holding a Secret). */
export async function writeFileAtomic(file: string, text: string, mode: number): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Created with the final mode from the start: a Secret is never readable by others, not even
  // for the moment between write and chmod.
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode); // open's mode is filtered by the umask; the file must have exactly this one
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // The rename itself is durable only once the directory is synced (best effort: some
  // filesystems refuse to open a directory for syncing).
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  if (dirHandle !== undefined) {
    await dirHandle.sync().catch(() => undefined);
    await dirHandle.close();
  }
}
