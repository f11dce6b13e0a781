/**
 * Control-plane benchmark (issue "Performance", part "Control plane"; BENCHMARKS.md):
 *   (a) cold load: read + validate + store of a generated config folder (generate.ts);
 *   (b) full translation: median of several runs, and the memory one result holds;
 *   (c) a single BackendTLSPolicy edit on disk until a new IR is ready, p50/p99 over --edits
 *       edits, measured three ways: loader.load() + translate called directly (the loader lists
 *       and stats every file), the same with the edited file noted first (what the watcher tells
 *       `serve`: loader.noteChanges), and end to end through watchPaths (debounce included), as
 *       `serve` runs it;
 *   (c') an EndpointSlice edit (a pod moved: the most frequent change in a real cluster) over
 *       --slice-edits edits, and an HTTPRoute edit (a timeout: a full translation) over
 *       --route-edits edits, file noted: edit -> IR p50/p99, the time the Translator spent
 *       interning the IR against the previous one, and how many route occurrences the data
 *       plane's diff (dataplane/router/ir-diff.ts diffRoutes) reports changed per edit;
 *   (d) with --traffic: the real gateway (`src/main.ts serve`) on the folder, steady keep-alive
 *       load against routes whose policies are edited and routes whose are not, --traffic-edits
 *       edits; failed requests (target zero) and edit -> traffic latency (traffic.ts).
 *
 *   ./node_modules/.bin/node bench/control-plane/run.ts --n 10000 [--layout namespace|object] [--traffic]
 *       [--slice-edits 20] [--route-edits 5] [--no-intern | --reference]
 *
 * Prints a table and one machine-readable line: `RESULT {json}`. Wall and CPU time are both
 * reported: on a shared machine CPU time is the steadier of the two.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { diffRoutes } from '../../src/dataplane/router/ir-diff.ts';
import type { GatewayIR } from '../../src/ir/types.ts';
import { ConfigLoader } from '../../src/runner/config-loader.ts';
import { watchPaths } from '../../src/sources/file/watch.ts';
import { translate, type TranslateInput, type TranslateResult } from '../../src/translate/index.ts';
import { createTranslator, type Translator } from '../../src/translate/translator.ts';
import { generateConfig, type GeneratedConfig, type Layout } from './generate.ts';
import { freePort, runTraffic, startBackend, startGateway, trafficServices, waitRoutes, type Backend, type GatewayRunOptions, type Target, type TrafficResult } from './traffic.ts';

// A forced GC before each memory reading, without asking users for --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * DATA PLANE HOOK. Called with every new IR in the in-process end-to-end measurement (c), the
 * way `serve` calls DataPlane.apply; a no-op there, so (c) stops at "IR ready". The
 * "zero failed requests while traffic flows" measurement is phase (d), --traffic, which runs the
 * real gateway process instead (traffic.ts).
 */
export interface DataPlaneHook {
  apply(ir: GatewayIR): Promise<void> | void;
  close?(): Promise<void> | void;
}
const noDataPlane: DataPlaneHook = { apply: () => undefined };

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T } & Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p99 of 100 samples is the 99th smallest.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

const MB = 1024 * 1024;
function memory(): { heap: number; rss: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/** The SNI the IR's backends for Service svc-`i` use, or undefined (checks an edit landed). */
function sniOf(ir: GatewayIR, namespace: string, i: number): string | undefined {
  const name = `svc-${i}`;
  for (const l of ir.listeners) {
    for (const vh of l.virtualHosts) {
      for (const r of vh.routes) {
        for (const b of r.backends) {
          if (b.backend.service.name === name && b.backend.service.namespace === namespace && b.backend.tls) return b.backend.tls.sni;
        }
      }
    }
  }
  return undefined;
}

function countRoutes(ir: GatewayIR): number {
  return ir.listeners.reduce((a, l) => a + l.virtualHosts.reduce((b, v) => b + v.routes.length, 0), 0);
}

/** Policies edited in turn, spread over namespaces and files. */
function editTarget(e: number, n: number): number {
  return (e * 7919 + 13) % n;
}

/** How edits are translated: the incremental Translator (as serve should), or the reference. */
type TranslateFn = (input: TranslateInput) => TranslateResult;

/** A Translator primed with a full translation of the current snapshot; or the reference. */
function editTranslator(reference: boolean, snapshot: TranslateInput['snapshot'], intern: boolean): { fn: TranslateFn; start: TranslateResult; incremental: () => number; translator?: Translator } {
  if (reference) return { fn: translate, start: translate({ snapshot, now: new Date() }), incremental: () => 0 };
  const t = createTranslator({ intern });
  let count = 0;
  const fn: TranslateFn = (input) => {
    const r = t.translate(input);
    if (t.lastMode === 'incremental') count++;
    return r;
  };
  return { fn, start: t.translate({ snapshot, now: new Date() }), incremental: () => count, translator: t };
}

interface EditStats {
  p50: number;
  p99: number;
  max: number;
  loadP50: number;
  translateP50: number;
  /** The last translation (the next measurement continues from it). */
  last: TranslateResult;
}

/**
 * (c) direct: write, loader.load(), translate; checks the new SNI is in the IR. `noted`: the
 * edited file is noted first (loader.noteChanges), as serve does with what the watcher reports.
 */
async function directEdits(g: GeneratedConfig, loader: ConfigLoader, tr: TranslateFn, start: TranslateResult, edits: number, noted: boolean): Promise<EditStats> {
  const total: number[] = [];
  const loads: number[] = [];
  const translates: number[] = [];
  let previous = start;
  for (let e = 0; e < edits; e++) {
    const i = editTarget(e, g.n);
    const edit = g.editPolicy(i);
    const t0 = performance.now();
    await writeFile(edit.file, edit.content);
    const t1 = performance.now();
    if (noted) loader.noteChanges([edit.file]);
    const loaded = await loader.load();
    const t2 = performance.now();
    const result = tr({ snapshot: loaded.snapshot, now: new Date(), previousStatuses: previous.statuses });
    const t3 = performance.now();
    total.push(t3 - t0);
    loads.push(t2 - t1);
    translates.push(t3 - t2);
    const sni = sniOf(result.ir, g.namespaceOf(i), i);
    if (!loaded.changed || sni !== edit.sni) throw new Error(`edit ${e} of policy ${i} did not reach the IR (sni ${sni}, wanted ${edit.sni})`);
    previous = result;
  }
  return { p50: quantile(total, 0.5), p99: quantile(total, 0.99), max: Math.max(...total), loadP50: quantile(loads, 0.5), translateP50: quantile(translates, 0.5), last: previous };
}

/** Whether the IR's backends for Service svc-`i` list an endpoint at `address`. */
function hasEndpoint(ir: GatewayIR, namespace: string, i: number, address: string): boolean {
  const name = `svc-${i}`;
  for (const l of ir.listeners) {
    for (const vh of l.virtualHosts) {
      for (const r of vh.routes) {
        for (const b of r.backends) {
          if (b.backend.service.name === name && b.backend.service.namespace === namespace && b.backend.endpoints.some((e) => e.address === address)) return true;
        }
      }
    }
  }
  return false;
}

/** Whether HTTPRoute route-`i`'s IR routes have a request timeout of `ms`. */
function hasTimeout(ir: GatewayIR, namespace: string, i: number, ms: number): boolean {
  const name = `route-${i}`;
  for (const l of ir.listeners) for (const vh of l.virtualHosts) for (const r of vh.routes) if (r.route.name === name && r.route.namespace === namespace && r.timeouts.requestMs === ms) return true;
  return false;
}

/** One kind of edit for kindEdits: writes it and says how to recognize it in the IR. */
type KindEdit = (g: GeneratedConfig, i: number) => { file: string; content: string; landed: (ir: GatewayIR) => boolean };
const sliceEdit: KindEdit = (g, i) => {
  const e = g.editSlice(i);
  return { file: e.file, content: e.content, landed: (ir) => hasEndpoint(ir, g.namespaceOf(i), i, e.address) };
};
const routeEdit: KindEdit = (g, i) => {
  const e = g.editRoute(i);
  return { file: e.file, content: e.content, landed: (ir) => hasTimeout(ir, g.namespaceOf(i), i, e.requestMs) };
};

interface KindEditStats {
  edits: number;
  p50: number;
  p99: number;
  loadP50: number;
  translateP50: number;
  translateP99: number;
  internP50: number;
  internMax: number;
  /** Route occurrences diffRoutes reports removed + added, per edit. */
  changedP50: number;
  changedMax: number;
  incremental: number;
  last: TranslateResult;
}

/**
 * (c') EndpointSlice (or HTTPRoute) edits, file noted: write, load, translate; checks the edit
 * is in the IR and counts what the data plane's diff would walk (diffRoutes, by identity).
 */
async function kindEdits(
  kind: KindEdit,
  g: GeneratedConfig,
  loader: ConfigLoader,
  tr: TranslateFn,
  translator: Translator | undefined,
  start: TranslateResult,
  edits: number,
  skip: ReadonlySet<number>,
): Promise<KindEditStats> {
  const total: number[] = [];
  const loads: number[] = [];
  const translates: number[] = [];
  const interns: number[] = [];
  const changed: number[] = [];
  let incremental = 0;
  let previous = start;
  for (let e = 0, k = 0; e < edits; k++) {
    const i = editTarget(k + 5003, g.n);
    if (skip.has(i)) continue;
    const edit = kind(g, i);
    const t0 = performance.now();
    await writeFile(edit.file, edit.content);
    const t1 = performance.now();
    loader.noteChanges([edit.file]);
    const loaded = await loader.load();
    const t2 = performance.now();
    const result = tr({ snapshot: loaded.snapshot, now: new Date(), previousStatuses: previous.statuses });
    const t3 = performance.now();
    total.push(t3 - t0);
    loads.push(t2 - t1);
    translates.push(t3 - t2);
    interns.push(translator?.lastInternMs ?? 0);
    if (translator?.lastMode === 'incremental') incremental++;
    if (!loaded.changed || !edit.landed(result.ir)) throw new Error(`edit ${e} of object ${i} (${edit.file}) did not reach the IR`);
    let count = 0;
    diffRoutes(previous.ir, result.ir, { added: () => void count++, removed: () => void count++ });
    changed.push(count);
    previous = result;
    e++;
  }
  return {
    edits, p50: quantile(total, 0.5), p99: quantile(total, 0.99), loadP50: quantile(loads, 0.5), translateP50: quantile(translates, 0.5), translateP99: quantile(translates, 0.99),
    internP50: quantile(interns, 0.5), internMax: Math.max(...interns), changedP50: quantile(changed, 0.5), changedMax: Math.max(...changed), incremental, last: previous,
  };
}

/**
 * (c) end to end: the serve loop (watch -> load -> translate -> data plane), one reload at a
 * time with events during a reload coalesced into one more, as src/runner/serve.ts does.
 * Latency = from just before the write until the IR with the new SNI was applied.
 */
async function watchedEdits(
  g: GeneratedConfig,
  loader: ConfigLoader,
  tr: TranslateFn,
  start: TranslateResult,
  edits: number,
  debounceMs: number | undefined,
  dataplane: DataPlaneHook,
): Promise<EditStats> {
  let previous = start;
  let waiting: { namespace: string; i: number; sni: string; resolve: () => void } | undefined;
  const reloadOnce = async (): Promise<void> => {
    const loaded = await loader.load();
    if (!loaded.changed) return;
    const result = tr({ snapshot: loaded.snapshot, now: new Date(), previousStatuses: previous.statuses });
    await dataplane.apply(result.ir);
    previous = result;
    if (waiting && sniOf(result.ir, waiting.namespace, waiting.i) === waiting.sni) waiting.resolve();
  };
  let running: Promise<void> | undefined;
  let again = false;
  const reload = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await reloadOnce();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
  };
  // Waits until no reload is running (a closure: TS would narrow `running` inline).
  const idle = async (): Promise<void> => {
    for (let r = running; r; r = running) await r;
  };
  let first: () => void = () => undefined;
  const firstCall = new Promise<void>((resolve) => (first = resolve));
  const watcher = watchPaths([g.dir], (change) => {
    first();
    loader.noteChanges(change.paths);
    reload();
  }, debounceMs === undefined ? {} : { debounceMs });
  const total: number[] = [];
  try {
    await firstCall; // watchPaths calls back once when set up
    await idle();
    for (let e = 0; e < edits; e++) {
      const i = editTarget(e, g.n);
      const edit = g.editPolicy(i);
      const applied = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`edit ${e} not applied within 30 s`)), 30_000);
        waiting = { namespace: g.namespaceOf(i), i, sni: edit.sni, resolve: () => { clearTimeout(timer); resolve(); } };
      });
      const t0 = performance.now();
      await writeFile(edit.file, edit.content);
      await applied;
      total.push(performance.now() - t0);
      waiting = undefined;
      await idle();
    }
  } finally {
    watcher.close();
  }
  return { p50: quantile(total, 0.5), p99: quantile(total, 0.99), max: Math.max(...total), loadP50: Number.NaN, translateP50: Number.NaN, last: previous };
}

function parseN(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kK]?)$/.exec(text);
  if (!m) throw new Error(`--n: expected a number like 1000 or 10k, got "${text}"`);
  return Math.round(Number(m[1]) * (m[2] ? 1000 : 1));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '1000' },
      layout: { type: 'string', default: 'namespace' },
      runs: { type: 'string', default: '5' },
      edits: { type: 'string', default: '100' },
      'e2e-edits': { type: 'string' },
      debounce: { type: 'string', multiple: true },
      'no-e2e': { type: 'boolean', default: false },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      reference: { type: 'boolean', default: false },
      'no-intern': { type: 'boolean', default: false },
      'slice-edits': { type: 'string', default: '20' },
      'route-edits': { type: 'string', default: '5' },
      traffic: { type: 'boolean', default: false },
      'traffic-edits': { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      // Node flags for the gateway child of --traffic, repeatable: `--gateway-node-flag=--cpu-prof`.
      'gateway-node-flag': { type: 'string', multiple: true },
      // Appends the gateway's output to FILE, logging at info (a line per reload with its ms).
      'gateway-log': { type: 'string' },
    },
  });
  const n = parseN(values.n);
  const layout: Layout = values.layout === 'object' ? 'object' : 'namespace';
  const runs = Math.max(1, Number(values.runs));
  const edits = Math.max(1, Number(values.edits));
  const e2eEdits = values['e2e-edits'] !== undefined ? Number(values['e2e-edits']) : edits;
  // Debounce settings for the end-to-end run: "default" is watchPaths' own default.
  const debounces = (values.debounce ?? ['default']).map((d) => (d === 'default' ? undefined : Number(d)));
  const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'lastmile-cp-bench-')));

  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  // (d) needs a backend port and listener ports before the config is written.
  const GATEWAYS = 4;
  const picked = values.traffic ? trafficServices(n, 8, 8) : undefined;
  let backend: Backend | undefined;
  try {
    let trafficConfig = {};
    if (picked) {
      backend = await startBackend();
      const listenerPorts: number[] = [];
      for (let k = 0; k < GATEWAYS; k++) listenerPorts.push(await freePort());
      trafficConfig = { listenerPorts, backend: { port: backend.port, services: [...picked.edited, ...picked.stable] }, hostnameVariants: 2 };
    }
    log(`generating N=${n} (${layout} layout) in ${dir}`);
    const g = await generateConfig({ n, dir, layout, gateways: GATEWAYS, ...trafficConfig });
    log(`  ${g.files} files, ${(g.bytes / MB).toFixed(1)} MiB, ${g.namespaces} namespaces`);

    // (a) cold load
    const before = memory();
    const loader = new ConfigLoader({ paths: [dir] });
    const cold = await timed(() => loader.load());
    const errors = cold.value.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`the generated config has errors: ${JSON.stringify(errors.slice(0, 3))}`);
    const objects = ['GatewayClass', 'Gateway', 'Service', 'EndpointSlice', 'HTTPRoute', 'BackendTLSPolicy', 'ConfigMap']
      .reduce((a, k) => a + cold.value.snapshot.list(k).length, 0);
    const afterLoad = memory();
    log(`  cold load ${cold.wallMs.toFixed(0)} ms (cpu ${cold.cpuMs.toFixed(0)} ms), ${objects} objects`);

    // (b) full translation, each run given the previous statuses as serve does.
    const snapshot = cold.value.snapshot;
    const times: number[] = [];
    const cpus: number[] = [];
    let result: TranslateResult | undefined;
    let heapHeld = 0;
    let rssDelta = 0;
    for (let r = 0; r < runs; r++) {
      const m0 = memory();
      const prev = result?.statuses;
      result = undefined;
      const t = await timed(() => translate({ snapshot, now: new Date(), ...(prev ? { previousStatuses: prev } : {}) }));
      result = t.value;
      times.push(t.wallMs);
      cpus.push(t.cpuMs);
      if (r === 0) {
        const m1 = memory();
        heapHeld = m1.heap - m0.heap;
        rssDelta = m1.rss - m0.rss;
      }
    }
    if (!result) throw new Error('no translation ran');
    const routes = countRoutes(result.ir);
    const translateMs = quantile(times, 0.5);
    log(`  translate median ${translateMs.toFixed(0)} ms (cpu ${quantile(cpus, 0.5).toFixed(0)} ms) over ${runs}: ${times.map((x) => x.toFixed(0)).join(' ')}`);

    // (c) edits
    const editing = editTranslator(values.reference, snapshot, !values['no-intern']);
    // Each edit phase starts after a forced GC (outside the timings): otherwise the garbage of
    // the phase before (five full translations, ~400 MB each) is collected by a major GC of
    // ~0.3-0.9 s that lands on one of the first edits. BENCHMARKS.md reports that case apart.
    gc();
    const direct = await directEdits(g, loader, editing.fn, editing.start, edits, false);
    log(`  edit (load+translate) p50 ${direct.p50.toFixed(1)} ms p99 ${direct.p99.toFixed(1)} ms max ${direct.max.toFixed(1)} ms (load p50 ${direct.loadP50.toFixed(1)}, translate p50 ${direct.translateP50.toFixed(1)})`);
    gc();
    const noted = await directEdits(g, loader, editing.fn, direct.last, edits, true);
    log(`  edit (noted file, load+translate) p50 ${noted.p50.toFixed(1)} ms p99 ${noted.p99.toFixed(1)} ms max ${noted.max.toFixed(1)} ms (load p50 ${noted.loadP50.toFixed(1)}, translate p50 ${noted.translateP50.toFixed(1)})`);
    const watched: { debounceMs: number | 'default'; stats: EditStats }[] = [];
    let last = noted.last;
    if (!values['no-e2e']) {
      for (const d of debounces) {
        gc();
        const stats = await watchedEdits(g, loader, editing.fn, last, e2eEdits, d, noDataPlane);
        watched.push({ debounceMs: d ?? 'default', stats });
        last = stats.last;
        log(`  edit via watch (debounce ${d ?? 'default'}) p50 ${stats.p50.toFixed(1)} ms p99 ${stats.p99.toFixed(1)} ms max ${stats.max.toFixed(1)} ms`);
      }
    }

    const skip = new Set(picked ? [...picked.edited, ...picked.stable] : []);
    const kinds: { label: string; json: string; stats: KindEditStats }[] = [];
    for (const [label, json, kind, count] of [
      ['EndpointSlice', 'sliceEdits', sliceEdit, Number(values['slice-edits'])],
      ['HTTPRoute', 'routeEdits', routeEdit, Number(values['route-edits'])],
    ] as const) {
      if (!(count > 0)) continue;
      gc();
      const stats = await kindEdits(kind, g, loader, editing.fn, editing.translator, last, count, skip);
      last = stats.last;
      kinds.push({ label, json, stats });
      log(`  ${label} edit (noted file, load+translate) p50 ${stats.p50.toFixed(1)} ms p99 ${stats.p99.toFixed(1)} ms (load p50 ${stats.loadP50.toFixed(1)}, translate p50 ${stats.translateP50.toFixed(1)} p99 ${stats.translateP99.toFixed(1)}, `
        + `intern p50 ${stats.internP50.toFixed(1)} max ${stats.internMax.toFixed(1)}); routes changed per edit (diffRoutes removed+added) p50 ${stats.changedP50} max ${stats.changedMax}; ${stats.incremental} incremental`);
    }

    let traffic: TrafficResult | undefined;
    if (picked && backend) {
      traffic = await trafficPhase(g, backend, picked, Number(values['traffic-edits'] ?? edits), Math.max(1, Number(values.concurrency)), log, {
        nodeFlags: values['gateway-node-flag'] ?? [],
        ...(values['gateway-log'] !== undefined ? { logFile: values['gateway-log'] } : {}),
      });
    }

    const row = (k: string, v: string): string => `| ${k.padEnd(44)} | ${v.padStart(22)} |`;
    const out = [
      `Control plane, N=${n} (${layout} layout: ${g.files} files, ${objects} objects, ${routes} IR routes), node ${process.version}`,
      row('measure', 'value'),
      row('-'.repeat(44), '-'.repeat(22)),
      row('cold load (read+validate+store)', `${cold.wallMs.toFixed(0)} ms (cpu ${cold.cpuMs.toFixed(0)})`),
      row('heap held by loader + snapshot', `${((afterLoad.heap - before.heap) / MB).toFixed(0)} MiB`),
      row(`full translate, median of ${runs}`, `${translateMs.toFixed(0)} ms (cpu ${quantile(cpus, 0.5).toFixed(0)})`),
      row('heap held by one translation result', `${(heapHeld / MB).toFixed(0)} MiB`),
      row('RSS growth over the first translation', `${(rssDelta / MB).toFixed(0)} MiB`),
      row(`policy edit -> IR (load+translate) p50/p99`, `${direct.p50.toFixed(1)} / ${direct.p99.toFixed(1)} ms`),
      row('  of which load p50 / translate p50', `${direct.loadP50.toFixed(1)} / ${direct.translateP50.toFixed(1)} ms`),
      row('policy edit -> IR, file noted, p50/p99', `${noted.p50.toFixed(1)} / ${noted.p99.toFixed(1)} ms`),
      row('  of which load p50 / translate p50', `${noted.loadP50.toFixed(1)} / ${noted.translateP50.toFixed(1)} ms`),
      row('  edits translated incrementally', `${editing.incremental()} (${values.reference ? 'reference translate' : 'Translator'})`),
      ...kinds.flatMap(({ label, stats }) => [
        row(`${label} edit -> IR, noted, p50/p99`, `${stats.p50.toFixed(1)} / ${stats.p99.toFixed(1)} ms`),
        row('  of which load p50 / translate p50', `${stats.loadP50.toFixed(1)} / ${stats.translateP50.toFixed(1)} ms`),
        row('  of which IR interning p50 / max', `${stats.internP50.toFixed(1)} / ${stats.internMax.toFixed(1)} ms`),
        row('  routes changed per edit (diff) p50 / max', `${stats.changedP50} / ${stats.changedMax}`),
        row('  edits translated incrementally', `${stats.incremental}/${stats.edits}`),
      ]),
      ...watched.map((w) => row(`policy edit -> IR via watch (debounce ${w.debounceMs}) p50/p99`, `${w.stats.p50.toFixed(1)} / ${w.stats.p99.toFixed(1)} ms`)),
      ...(traffic ? trafficRows(traffic, row) : []),
    ];
    console.log(out.join('\n'));
    console.log(`RESULT ${JSON.stringify({
      bench: 'control-plane', n, layout, files: g.files, objects, irRoutes: routes, node: process.version,
      coldLoadMs: Math.round(cold.wallMs), coldLoadCpuMs: Math.round(cold.cpuMs),
      loadHeapMiB: Math.round((afterLoad.heap - before.heap) / MB),
      translateMs: Math.round(translateMs), translateCpuMs: Math.round(quantile(cpus, 0.5)), translateRunsMs: times.map(Math.round),
      translateHeapMiB: Math.round(heapHeld / MB), translateRssMiB: Math.round(rssDelta / MB),
      editTranslator: values.reference ? 'reference' : 'incremental', incrementalEdits: editing.incremental(),
      edits, editP50Ms: +direct.p50.toFixed(1), editP99Ms: +direct.p99.toFixed(1), editLoadP50Ms: +direct.loadP50.toFixed(1), editTranslateP50Ms: +direct.translateP50.toFixed(1),
      notedEditP50Ms: +noted.p50.toFixed(1), notedEditP99Ms: +noted.p99.toFixed(1), notedEditLoadP50Ms: +noted.loadP50.toFixed(1), notedEditTranslateP50Ms: +noted.translateP50.toFixed(1),
      ...Object.fromEntries(kinds.map(({ json, stats }) => [json, {
        edits: stats.edits, intern: !values['no-intern'] && !values.reference, p50Ms: +stats.p50.toFixed(1), p99Ms: +stats.p99.toFixed(1), loadP50Ms: +stats.loadP50.toFixed(1),
        translateP50Ms: +stats.translateP50.toFixed(1), translateP99Ms: +stats.translateP99.toFixed(1), internP50Ms: +stats.internP50.toFixed(1), internMaxMs: +stats.internMax.toFixed(1),
        changedRoutesP50: stats.changedP50, changedRoutesMax: stats.changedMax, incremental: stats.incremental,
      }])),
      watched: watched.map((w) => ({ debounceMs: w.debounceMs, edits: e2eEdits, p50Ms: +w.stats.p50.toFixed(1), p99Ms: +w.stats.p99.toFixed(1) })),
      ...(traffic ? { traffic: trafficJson(traffic) } : {}),
    })}`);
  } finally {
    await backend?.close();
    if (!values.keep && !values.dir) await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();

/** (d): gateway process up, routes serving, then load + edits; the gateway is always stopped. */
async function trafficPhase(
  g: GeneratedConfig,
  backend: Backend,
  picked: { edited: number[]; stable: number[] },
  edits: number,
  concurrency: number,
  log: (s: string) => void,
  run: GatewayRunOptions = {},
): Promise<TrafficResult> {
  await backend.setCertificate(g, [...picked.edited, ...picked.stable]);
  const ports = g.listenerPorts;
  const target = (i: number): Target => ({ i, host: `app-${i}.${g.namespaceOf(i)}.example.com`, port: ports[i % ports.length] ?? 0 });
  const edited = picked.edited.map(target);
  const stable = picked.stable.map(target);
  log(`  traffic: starting the gateway on ${g.dir} (listeners ${ports.join(', ')}, backend 127.0.0.1:${backend.port})`);
  const t0 = performance.now();
  const gateway = await startGateway(g.dir, 300_000, run);
  try {
    await waitRoutes([...edited, ...stable], 120_000);
    log(`  traffic: gateway ready and routes serving after ${(performance.now() - t0).toFixed(0)} ms`);
    gc();
    const r = await runTraffic(g, edited, stable, { edits, concurrency, maxRequests: 2_000_000, maxMs: 120_000 + edits * 1000, editTimeoutMs: 10_000 });
    log(`  traffic: ${r.sent} requests (${r.sentEdited} to edited routes, ${r.sentStable} to others), ${r.failed} failed, ${r.edits} edits, `
      + `edit -> traffic p50 ${quantile(r.latencies, 0.5).toFixed(1)} ms p90 ${quantile(r.latencies, 0.9).toFixed(1)} ms p99 ${quantile(r.latencies, 0.99).toFixed(1)} ms, ${r.notObserved} not observed`);
    for (const f of r.failures) log(`    failure: ${f}`);
    return r;
  } catch (error) {
    log(gateway.output());
    throw error;
  } finally {
    await gateway.close();
  }
}

function trafficRows(t: TrafficResult, row: (k: string, v: string) => string): string[] {
  return [
    row('traffic: requests (edited / other routes)', `${t.sent} (${t.sentEdited} / ${t.sentStable})`),
    row('traffic: failed (non-200 or transport)', `${t.failed}`),
    row('traffic: rate over the phase', `${t.requestsPerSecond.toFixed(0)} req/s`),
    row(`policy edit -> traffic (new SNI) p50/p99`, `${quantile(t.latencies, 0.5).toFixed(1)} / ${quantile(t.latencies, 0.99).toFixed(1)} ms`),
    row('  edits observed / max', `${t.latencies.length}/${t.edits} / ${Math.max(...t.latencies).toFixed(1)} ms`),
  ];
}

function trafficJson(t: TrafficResult): Record<string, unknown> {
  return {
    sent: t.sent, sentEdited: t.sentEdited, sentStable: t.sentStable, failed: t.failed, failures: t.failures,
    requestsPerSecond: Math.round(t.requestsPerSecond), durationMs: Math.round(t.durationMs), edits: t.edits,
    observed: t.latencies.length, notObserved: t.notObserved,
    p50Ms: +quantile(t.latencies, 0.5).toFixed(1), p90Ms: +quantile(t.latencies, 0.9).toFixed(1), p99Ms: +quantile(t.latencies, 0.99).toFixed(1), maxMs: +Math.max(...t.latencies).toFixed(1),
    // The five slowest observed edits, slowest first, as [index among observed edits, ms]: a p99
    // over 100 edits is the second slowest, so it shows whether one outlier (e.g. the first edit) sets it.
    slowest: t.latencies.map((ms, i): [number, number] => [i, +ms.toFixed(1)]).sort((a, b) => b[1] - a[1]).slice(0, 5),
  };
}
