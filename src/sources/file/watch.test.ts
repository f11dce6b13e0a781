import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchPaths, type WatchChange } from './watch.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-watch-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Counts calls; `next()` resolves on the next call or rejects after `ms`. */
function counter(): { onChange: (change: WatchChange) => void; count: () => number; last: () => WatchChange | undefined; next: (ms: number) => Promise<number> } {
  let calls = 0;
  let last: WatchChange | undefined;
  let waiters: (() => void)[] = [];
  return {
    last: () => last,
    onChange: (change) => {
      calls++;
      last = change;
      const w = waiters;
      waiters = [];
      for (const resolve of w) resolve();
    },
    count: () => calls,
    next: (ms) =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const timer = setTimeout(() => reject(new Error(`no change reported within ${ms} ms`)), ms);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(performance.now() - started);
        });
      }),
  };
}

/** Starts a watcher and waits for its initial call, so later calls are caused by the test. */
async function start(paths: string[], options: { debounceMs?: number; pollMs?: number }) {
  const c = counter();
  const first = c.next(3000);
  const watcher = watchPaths(paths, c.onChange, options);
  await first;
  return { ...c, watcher };
}

test('a write in a watched directory (recursively) is reported within the debounce', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'a.yaml'), 'a: 1\n');
    // A long poll interval: this change must come through fs.watch.
    const w = await start([dir], { debounceMs: 50, pollMs: 60_000 });
    try {
      const next = w.next(2000);
      await writeFile(join(dir, 'sub', 'a.yaml'), 'a: 2\n');
      await next;
      // A burst of writes is one call after the quiet time, not one per write.
      const before = w.count();
      const burst = w.next(2000);
      for (let i = 0; i < 5; i++) await writeFile(join(dir, 'sub', 'a.yaml'), `a: ${i}\n`);
      await burst;
      await sleep(150);
      assert.ok(w.count() - before <= 2, `burst gave ${w.count() - before} calls`);
    } finally {
      w.watcher.close();
    }
  });
});

test('a rename-save of a watched file is reported (the watch is on its directory)', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'gw.yaml');
    await writeFile(file, 'a: 1\n');
    const w = await start([file], { debounceMs: 50, pollMs: 60_000 });
    try {
      for (let round = 0; round < 2; round++) {
        const next = w.next(2000);
        await writeFile(join(dir, '.gw.yaml.swp'), `a: ${round + 2}\n`);
        await rename(join(dir, '.gw.yaml.swp'), file);
        await next;
      }
    } finally {
      w.watcher.close();
    }
  });
});

test('a ConfigMap-style ..data symlink swap is reported', async () => {
  await withDir(async (dir) => {
    const volume = join(dir, 'vol');
    await mkdir(join(volume, '..v1'), { recursive: true });
    await writeFile(join(volume, '..v1', 'app.yaml'), 'a: 1\n');
    await symlink('..v1', join(volume, '..data'));
    await symlink('..data/app.yaml', join(volume, 'app.yaml'));
    const w = await start([volume], { debounceMs: 50, pollMs: 60_000 });
    try {
      const next = w.next(2000);
      // What the kubelet does: write a new timestamped dir, then atomically swap ..data.
      await mkdir(join(volume, '..v2'));
      await writeFile(join(volume, '..v2', 'app.yaml'), 'a: 2\n');
      await symlink('..v2', join(volume, '..data_tmp'));
      await rename(join(volume, '..data_tmp'), join(volume, '..data'));
      await rm(join(volume, '..v1'), { recursive: true });
      await next;
    } finally {
      w.watcher.close();
    }
  });
});

test('the periodic rescan catches a change even without fs.watch events, within the poll interval', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'late', 'x.yaml');
    // The path does not exist yet: no fs.watch is possible, only the rescan sees it appear.
    const w = await start([join(dir, 'late')], { debounceMs: 20, pollMs: 200 });
    try {
      const next = w.next(2000);
      await mkdir(join(dir, 'late'));
      await writeFile(file, 'a: 1\n');
      const elapsed = await next;
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    } finally {
      w.watcher.close();
    }
  });
});

test('a file created then deleted between two rescans is reported deleted (the rescan compares with what the caller last saw)', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'base.yaml'), 'a: 1\n');
    const w = await start([dir], { debounceMs: 20, pollMs: 500 });
    try {
      // Created and edited by rename-saves: fs.watch reports them and the caller reads the file.
      for (let i = 0; i < 3; i++) {
        const saved = w.next(2000);
        await writeFile(join(dir, '.t.yaml.tmp'), `a: ${i}\n`);
        await rename(join(dir, '.t.yaml.tmp'), join(dir, 't.yaml'));
        await saved;
      }
      // Node's recursive fs.watch on Linux does not report this unlink; the rescan must, even
      // though the files now look as they did at its previous look (before t.yaml existed).
      const deleted = w.next(2500);
      await rm(join(dir, 't.yaml'));
      const elapsed = await deleted;
      assert.ok(elapsed < 2500, `took ${elapsed} ms`);
      // Only a file changed: the rescan names it, so the caller reads that file only.
      assert.deepEqual(w.last()?.paths, [join(dir, 't.yaml')]);
    } finally {
      w.watcher.close();
    }
  });
});

test('edits during rescans are reported by name: a rescan leaves the files events named to them', async () => {
  await withDir(async (dir) => {
    // Enough files that each rescan takes a while, and rescans back to back, so that most
    // edits land while one is listing (it used to see the edited file differ and say "anything").
    for (let i = 0; i < 300; i++) await writeFile(join(dir, `f${i}.yaml`), `a: ${i}\n`);
    const calls: WatchChange[] = [];
    let initial: () => void = () => undefined;
    const setUp = new Promise<void>((resolve) => (initial = resolve));
    const watcher = watchPaths([dir], (change) => {
      calls.push(change);
      initial();
    }, { debounceMs: 2, pollMs: 3 });
    try {
      await setUp; // its initial call says "anything"
      await sleep(20);
      calls.length = 0;
      for (let e = 0; e < 60; e++) {
        await writeFile(join(dir, `f${e % 7}.yaml`), `a: ${e}-edited\n`);
        await sleep(5);
      }
      await sleep(100);
    } finally {
      watcher.close();
    }
    assert.ok(calls.length > 0, 'edits were reported');
    const anything = calls.filter((c) => c.paths === undefined).length;
    assert.equal(anything, 0, `${anything} of ${calls.length} calls said "anything"`);
  });
});

test('a write names the file written; a new directory or a symlink says "anything"; swap files say nothing', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'team'));
    const file = join(dir, 'team', 'a.yaml');
    await writeFile(file, 'a: 1\n');
    const w = await start([dir], { debounceMs: 20, pollMs: 60_000 });
    try {
      assert.deepEqual(w.last(), {}, 'the first call, once set up, says "anything"');
      let next = w.next(2000);
      await writeFile(file, 'a: 2\n');
      await next;
      assert.deepEqual(w.last(), { paths: [file] });
      // A rename-save through a dot-named temporary file names the file only.
      next = w.next(2000);
      await writeFile(join(dir, 'team', '.a.yaml.tmp'), 'a: 3\n');
      await rename(join(dir, 'team', '.a.yaml.tmp'), file);
      await next;
      assert.deepEqual(w.last(), { paths: [file] });
      // Creating a file names it.
      next = w.next(2000);
      await writeFile(join(dir, 'b.yaml'), 'b: 1\n');
      await next;
      assert.deepEqual(w.last(), { paths: [join(dir, 'b.yaml')] });
      next = w.next(2000);
      await mkdir(join(dir, 'new-team'));
      await writeFile(join(dir, 'new-team', 'c.yaml'), 'c: 1\n');
      await next;
      assert.deepEqual(w.last(), {}, 'a new directory: list everything');
      // Only an editor's swap file: nothing the caller reads changed, no call.
      const before = w.count();
      await writeFile(join(dir, 'team', '.a.yaml.swp'), 'x');
      await writeFile(join(dir, 'notes.txt'), 'x');
      await sleep(300);
      assert.equal(w.count(), before);
    } finally {
      w.watcher.close();
    }
  });
});

test('close() stops every callback', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    const w = await start([dir], { debounceMs: 20, pollMs: 50 });
    w.watcher.close();
    w.watcher.close(); // idempotent
    const after = w.count();
    await writeFile(join(dir, 'a.yaml'), 'a: 2\n');
    await writeFile(join(dir, 'b.yaml'), 'b: 1\n');
    await sleep(300);
    assert.equal(w.count(), after);
  });
});
