/**
 * One run of a task at a time: a request during a run coalesces into one more run after it, so a
 * burst of changes costs at most two runs and never two concurrent ones (reloads and snapshot
 * applications both mutate the data plane and the live state).
 */
export interface SerialRunner {
  /** Runs the task now, or once more after the current run; resolves when that run is done. */
  run(): Promise<void>;
  /** Resolves when no run is in progress (errors are the task's business: it must not throw). */
  idle(): Promise<void>;
}

/** Wraps `task` so that runs never overlap and requests during a run coalesce. */
export function serialized(task: () => Promise<void>): SerialRunner {
  let running: Promise<void> | undefined;
  let again = false;
  return {
    run(): Promise<void> {
      if (running !== undefined) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await task();
          } while (again);
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    async idle(): Promise<void> {
      await running?.catch(() => undefined);
    },
  };
}
