/**
 * Watches manifest paths and calls back when something may have changed.
 *
 * fs.watch events are only hints: they can be missed or coalesced (editors save by writing a
 * temp file and renaming it over the original, which replaces the inode a per-file watch was
 * on; a ConfigMap volume update swaps the `..data` symlink, so no watched file is written; an
 * inotify queue can overflow). So, besides the debounced events, a periodic rescan compares a
 * cheap fingerprint (path, inode, size, mtime of every manifest file) and calls back when it
 * differs. The caller re-reads and compares content, so a spurious call costs little; a missed
 * change is never late by more than the poll interval.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { listManifestFiles } from './read.ts';

export interface WatchOptions {
  /** Quiet time after the last event before calling back (events come in bursts). */
  debounceMs?: number;
  /** Interval of the safety-net rescan. */
  pollMs?: number;
}

export interface Watcher {
  close(): void;
}

const DEFAULT_DEBOUNCE_MS = 100;
const DEFAULT_POLL_MS = 2000;
/** A rescan base no real fingerprint equals: the next rescan reports a change. */
const UNKNOWN_FINGERPRINT = '\0unknown';

/**
 * Calls `onChange` (debounced) when anything under `paths` may have changed. Directories are
 * watched recursively; a file path is watched through its parent directory, which survives a
 * rename-save. Never throws for a missing path: it is picked up by the rescan once it appears.
 * Calls back once right after it is set up (see below).
 */
export function watchPaths(paths: readonly string[], onChange: () => void, options: WatchOptions = {}): Watcher {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  // Under a steady stream of events the debounce alone would never fire.
  const maxWaitMs = Math.max(debounceMs * 10, 1000);
  const watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let firstEventAt = 0;
  let lastFingerprint: string | undefined;
  let polling = false;

  /**
   * Calls back, after re-basing the rescan on the files as they are now, before the caller reads
   * them: the rescan must compare with what the caller last saw, not with its own previous look.
   * Otherwise a change fs.watch reported (a file created) followed by one it missed (the file
   * deleted: Node's recursive fs.watch on Linux does not report unlinks) cancel out between two
   * rescans, and the deletion is never noticed. A rescan that overwrites this base with an older
   * look differs from it, so it reports, and the next callback re-bases again.
   */
  const fire = (): void => {
    timer = undefined;
    firstEventAt = 0;
    if (closed) return;
    void fingerprint()
      .then(
        (current) => {
          lastFingerprint = current;
        },
        () => {
          // Listing failed: no base; the next rescan that can list reports (harmless if spurious).
          lastFingerprint = UNKNOWN_FINGERPRINT;
        },
      )
      .then(() => {
        if (!closed) onChange();
      });
  };

  const hint = (): void => {
    if (closed) return;
    const now = Date.now();
    if (firstEventAt === 0) firstEventAt = now;
    if (timer) clearTimeout(timer);
    const wait = now - firstEventAt >= maxWaitMs ? 0 : debounceMs;
    timer = setTimeout(fire, wait);
  };

  const stop = (path: string): void => {
    watchers.get(path)?.watcher.close();
    watchers.delete(path);
  };

  /**
   * Starts the fs.watch of each path that exists, and restarts it when the watched directory
   * was replaced (deleted and created again, or renamed over): inotify watches an inode, not
   * a name, so the old watch would go quiet.
   */
  const ensureWatchers = async (): Promise<void> => {
    for (const path of paths) {
      if (closed) return;
      let target: string;
      let recursive: boolean;
      let ino: number;
      try {
        const info = await stat(path);
        recursive = info.isDirectory();
        target = recursive ? path : dirname(path);
        ino = recursive ? info.ino : (await stat(target)).ino;
      } catch {
        stop(path);
        continue;
      }
      if (closed) return;
      const current = watchers.get(path);
      if (current?.ino === ino) continue;
      stop(path);
      try {
        const watcher = watch(target, { recursive, persistent: false }, hint);
        watcher.on('error', () => {
          // inotify failed or the directory went away: drop the watch; the rescan re-creates it.
          if (watchers.get(path)?.watcher === watcher) stop(path);
          else watcher.close();
          hint();
        });
        watchers.set(path, { watcher, ino });
      } catch {
        // e.g. ENOSPC (inotify watch limit): the rescan still covers this path.
      }
    }
  };

  const fingerprint = async (): Promise<string> => {
    const listing = await listManifestFiles(paths);
    const parts: string[] = [];
    for (const file of listing.files) {
      try {
        const info = await stat(file);
        parts.push(`${file}\0${info.ino}\0${info.size}\0${info.mtimeMs}\0${info.ctimeMs}`);
      } catch {
        parts.push(`${file}\0gone`);
      }
    }
    parts.push(`missing:${listing.missing.join('\0')}`);
    return parts.join('\n');
  };

  const poll = async (): Promise<void> => {
    if (polling || closed) return;
    polling = true;
    try {
      await ensureWatchers();
      const current = await fingerprint();
      if (lastFingerprint !== undefined && current !== lastFingerprint) hint();
      lastFingerprint = current;
    } catch {
      // A listing error is the caller's to report on its next load; keep polling.
    } finally {
      polling = false;
    }
  };

  // Once set up, call back once: a change made between the caller's first load and the start
  // of the watch would otherwise go unnoticed until the next change.
  void poll().then(hint);
  const interval = setInterval(() => void poll(), pollMs);
  // The watcher alone does not keep the process alive: the server does.
  interval.unref();

  return {
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(interval);
      if (timer) clearTimeout(timer);
      for (const { watcher } of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
