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
 *
 * Each call says what changed when fs.watch or the rescan can tell (WatchChange.paths: the
 * manifest files written, created or deleted), so the caller can look at those files only; a
 * call after an event that is not about a plain manifest file (a directory, a symlink, a
 * dot-named entry such as a ConfigMap volume's `..data`), or from a rescan that found more than
 * changed files (a configured path appeared or went, a symlink in the tree), says "anything"
 * (no paths).
 */
import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { isManifestName, listManifestFiles } from './read.ts';

export interface WatchOptions {
  /** Quiet time after the last event before calling back (events come in bursts). */
  debounceMs?: number;
  /** Interval of the safety-net rescan. */
  pollMs?: number;
}

export interface Watcher {
  close(): void;
}

/** What a call reports. */
export interface WatchChange {
  /**
   * The manifest files (named as listManifestFiles names them) that were written, created or
   * deleted, when that is all that changed as far as fs.watch or the rescan said; undefined when
   * anything may have changed (the rescan found more than changed files, an event was not about
   * a plain manifest file, the watch was just set up).
   */
  readonly paths?: readonly string[];
}

/**
 * 5 ms: an edit should be applied within 50 ms p99 (issue "Performance"), and the events of one
 * save (truncate + write, or write a temporary file + rename) come back to back, well within it.
 * A reload that lands inside a longer burst is harmless and cheap: a file read empty (a save
 * caught between its truncate and its write) keeps its objects at the cost of a stat and a read
 * (config-loader.ts), a half-written one fails to parse and keeps its objects, and the burst's
 * last event brings one more reload (serve coalesces events that arrive during a reload). What
 * the short wait costs is extra reloads during bulk changes (a `git checkout` of many files);
 * the loader makes each cheap (only changed files are read, only changed documents validated),
 * and the max wait below bounds how long a steady stream of events can hold a reload back.
 * 15 ms before: at N = 10k that was a third of the edit -> traffic median (BENCHMARKS.md).
 */
const DEFAULT_DEBOUNCE_MS = 5;
const DEFAULT_POLL_MS = 2000;
/** Batches of at most this many named paths are looked at synchronously (see rebase). */
const SYNC_PATHS = 4;

/** What the rescan compares: every manifest file's signature, and the paths that are missing. */
interface Fingerprint {
  readonly files: Map<string, string>;
  readonly missing: string;
  /** The listing followed a symlink: a file may have two names, so an event's name is not trusted. */
  readonly symlinks: boolean;
}

/** Inode, size, mtime and ctime: a write changes at least one of them. */
function signatureOf(info: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${info.ino}\0${info.size}\0${info.mtimeMs}\0${info.ctimeMs}`;
}

/** The files whose signatures differ between two fingerprints, or that only one has. */
function differingFiles(a: Fingerprint, b: Fingerprint): string[] {
  const out: string[] = [];
  for (const [file, signature] of a.files) if (b.files.get(file) !== signature) out.push(file);
  for (const file of b.files.keys()) if (!a.files.has(file)) out.push(file);
  return out;
}

function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  if (a.missing !== b.missing || a.files.size !== b.files.size) return false;
  for (const [file, signature] of a.files) if (b.files.get(file) !== signature) return false;
  return true;
}

/**
 * Calls `onChange` (debounced) when anything under `paths` may have changed. Directories are
 * watched recursively; a file path is watched through its parent directory, which survives a
 * rename-save. Never throws for a missing path: it is picked up by the rescan once it appears.
 * Calls back once right after it is set up (see below).
 */
export function watchPaths(paths: readonly string[], onChange: (change: WatchChange) => void, options: WatchOptions = {}): Watcher {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  // Under a steady stream of events the debounce alone would never fire.
  const maxWaitMs = Math.max(debounceMs * 10, 250);
  const watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  /** Watched paths that are directories (watched recursively): their events name files. */
  const directories = new Set<string>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let firstEventAt = 0;
  let lastFingerprint: Fingerprint | undefined;
  let polling = false;
  /** Files events named since the last call; undefined once an event named something else. */
  let named: Set<string> | undefined = new Set();
  /**
   * While a rescan lists and stats (it takes a while: ~10 ms at 400 files), the paths that
   * events named and callbacks re-based meanwhile, and whether a callback re-based everything.
   */
  let scan: { paths: Set<string>; full: boolean } | undefined;

  /**
   * Calls back, after re-basing the rescan on the files as they are now, before the caller reads
   * them: the rescan must compare with what the caller last saw, not with its own previous look.
   * Otherwise a change fs.watch reported (a file created) followed by one it missed (the file
   * deleted: Node's recursive fs.watch on Linux does not report unlinks) cancel out between two
   * rescans, and the deletion is never noticed. A rescan that overwrites this base with an older
   * look differs from it, so it reports, and the next callback re-bases again. When the events
   * named only manifest files, only those are looked at: the base then holds what the caller
   * sees after reading them, as a full look would.
   */
  const fire = (): void => {
    timer = undefined;
    firstEventAt = 0;
    const batch = named;
    named = new Set();
    if (closed) return;
    void rebase(batch)
      .catch((): WatchChange => {
        // Listing failed: no base; the next rescan that can list reports (harmless if spurious).
        lastFingerprint = undefined;
        return {};
      })
      .then((change) => {
        if (!closed && change !== undefined) onChange(change);
      });
  };

  /**
   * Re-bases and says what changed: only the `batch` paths when they are all plain manifest
   * files (present or gone) and the base names every other file; otherwise every file.
   * Undefined: nothing the caller reads changed (e.g. only an editor's swap file).
   */
  const rebase = async (batch: Set<string> | undefined): Promise<WatchChange | undefined> => {
    const base = lastFingerprint;
    if (batch !== undefined && base !== undefined && !base.symlinks) {
      const updates = new Map<string, string | undefined>();
      let plain = true;
      // A few paths (an edit) are looked at synchronously: an await waits for a turn of the event
      // loop, which a gateway under load fills with requests (config-loader.ts SYNC_FILES).
      const sync = batch.size <= SYNC_PATHS;
      for (const path of batch) {
        const found = await describe(path, base, sync);
        if (found === 'other') {
          plain = false;
          break;
        }
        if (found !== 'ignored') updates.set(path, found.signature);
      }
      // A rescan may have replaced the base while the paths were looked at: update the current one.
      const now = lastFingerprint;
      if (plain && now !== undefined && !now.symlinks) {
        if (updates.size === 0) return undefined;
        for (const [path, signature] of updates) {
          if (signature === undefined) now.files.delete(path);
          else now.files.set(path, signature);
          scan?.paths.add(path);
        }
        return { paths: [...updates.keys()].sort() };
      }
    }
    lastFingerprint = await fingerprint();
    if (scan) scan.full = true;
    return {};
  };

  /**
   * What a path an event named is: a manifest file (its signature; undefined when it is gone),
   * nothing the caller reads ('ignored': an editor's swap or temporary file, a path that is not
   * there and held none of our files), or 'other' (a directory, a symlink: look at everything).
   */
  const describe = async (path: string, base: Fingerprint, sync: boolean): Promise<{ signature: string | undefined } | 'ignored' | 'other'> => {
    const root = [...directories].find((dir) => {
      const rel = relative(dir, path);
      return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
    });
    if (root === undefined) return 'other';
    // The listing reads nothing under a dot name (read.ts); with no symlink in the tree (checked
    // by the caller) a dot-named file, or anything under a dot-named directory, is not read.
    const hidden = relative(root, path).split(sep).some((part) => part.startsWith('.'));
    let info;
    try {
      info = sync ? lstatSync(path) : await lstat(path);
    } catch {
      if (base.files.has(path)) return { signature: undefined };
      // A directory that went away takes its files with it.
      const prefix = path + sep;
      for (const file of base.files.keys()) if (file.startsWith(prefix)) return 'other';
      return 'ignored';
    }
    if (!info.isFile()) return 'other';
    if (hidden || !isManifestName(basename(path))) return 'ignored';
    return { signature: signatureOf(info) };
  };

  /** An event about `path` (a file fs.watch or the rescan named), or about anything. */
  const hint = (path?: string): void => {
    if (closed) return;
    if (path !== undefined) {
      named?.add(path);
      scan?.paths.add(path);
    } else named = undefined;
    const now = Date.now();
    if (firstEventAt === 0) firstEventAt = now;
    if (timer) clearTimeout(timer);
    const wait = now - firstEventAt >= maxWaitMs ? 0 : debounceMs;
    timer = setTimeout(fire, wait);
  };

  const stop = (path: string): void => {
    watchers.get(path)?.watcher.close();
    watchers.delete(path);
    directories.delete(path);
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
        // A directory's events name the entry that changed. A file is watched through its
        // parent directory, whose other entries are not ours: its events say "anything".
        const watcher = watch(target, { recursive, persistent: false }, (_event, name) => (recursive && typeof name === 'string' && name !== '' ? hint(join(path, name)) : hint()));
        watcher.on('error', () => {
          // inotify failed or the directory went away: drop the watch; the rescan re-creates it.
          if (watchers.get(path)?.watcher === watcher) stop(path);
          else watcher.close();
          hint();
        });
        watchers.set(path, { watcher, ino });
        if (recursive) directories.add(path);
      } catch {
        // e.g. ENOSPC (inotify watch limit): the rescan still covers this path.
      }
    }
  };

  const fingerprint = async (): Promise<Fingerprint> => {
    const listing = await listManifestFiles(paths);
    const files = new Map<string, string>();
    for (const file of listing.files) {
      try {
        files.set(file, signatureOf(await stat(file)));
      } catch {
        files.set(file, 'gone');
      }
    }
    return { files, missing: listing.missing.join('\0'), symlinks: listing.symlinks };
  };

  /**
   * The rescan. A file an event named during the scan (its callback is pending or done) is left
   * to that event: the base holds what the callback reported, or will once it re-bases. Without
   * this, a scan that overlaps an edit sees the edited file differ from the base and reports
   * "anything", and an edit that lands in that window costs a listing and stat of every file
   * and the loader's full path (~50 ms at N = 10k) instead of one file's load (~2 ms; issue
   * "Performance").
   * Such a file is compared by the next scan, so a change fs.watch missed is still caught
   * within two poll intervals. A callback that re-based everything during the scan has a look at
   * least as fresh as the part of the scan before it: this scan reports nothing, the next compares.
   */
  const poll = async (): Promise<void> => {
    if (polling || closed) return;
    polling = true;
    const mine = { paths: new Set<string>(), full: false };
    scan = mine;
    try {
      await ensureWatchers();
      const current = await fingerprint();
      const base = lastFingerprint;
      if (mine.full) return;
      if (base !== undefined) {
        for (const path of [...mine.paths, ...(named ?? [])]) {
          const signature = base.files.get(path);
          if (signature === undefined) current.files.delete(path);
          else current.files.set(path, signature);
        }
        if (!sameFingerprint(current, base)) {
          // Files that differ, by name, when that is all that differs: the caller then reads
          // those files only (the files an event was late for, or missed). Anything else
          // (a configured path appeared or went, a symlink in the tree) says "anything".
          // The base stays as it is: the callback re-bases those files (a deleted one is known
          // deleted only by comparing with a base that still has it).
          const files = current.missing === base.missing && !current.symlinks && !base.symlinks ? differingFiles(base, current) : undefined;
          if (files !== undefined) {
            for (const file of files) hint(file);
            return;
          }
          hint();
        }
      }
      lastFingerprint = current;
    } catch {
      // A listing error is the caller's to report on its next load; keep polling.
    } finally {
      if (scan === mine) scan = undefined;
      polling = false;
    }
  };

  // Once set up, call back once: a change made between the caller's first load and the start
  // of the watch would otherwise go unnoticed until the next change.
  void poll().then(() => hint());
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
