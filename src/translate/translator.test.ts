import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../api/meta.ts';
import { createCa } from '../pki/generate.ts';
import { createSnapshot, updateSnapshot } from '../store/create-snapshot.ts';
import type { Snapshot, StoredObject } from '../store/snapshot.ts';
import { CasePki, loadCase } from '../../test/golden/harness.ts';
import { translate } from './index.ts';
import { createTranslator } from './translator.ts';
import type { ComputedStatus, TranslateResult } from './types.ts';
import type { GatewayIR, RouteIR } from '../ir/types.ts';

function comparable(r: TranslateResult): unknown {
  return { ir: r.ir, statuses: [...r.statuses], diagnostics: r.diagnostics };
}

/**
 * Identity across steps, what the data plane relies on (dataplane/router/ir-diff.ts): every
 * route, virtual host and listener deep-equal to the one at the same place in the previous IR is
 * that very object, and every one that differs is a new object. Returns routes kept / renewed.
 */
function assertIdentity(prev: GatewayIR, next: GatewayIR, label: string): { kept: number; renewed: number } {
  let kept = 0;
  let renewed = 0;
  const place = (r: RouteIR): string => `${r.name}|${r.gateway.namespace}/${r.gateway.name}`;
  for (const l of next.listeners) {
    const pl = prev.listeners.find((x) => x.name === l.name);
    if (pl) assert.equal(pl === l, isDeepStrictEqual(pl, l), `${label}: listener ${l.name} identity`);
    for (const vh of l.virtualHosts) {
      const pv = pl?.virtualHosts.find((x) => x.hostname === vh.hostname);
      if (pv) assert.equal(pv === vh, isDeepStrictEqual(pv, vh), `${label}: virtual host ${l.name} ${vh.hostname} identity`);
      for (const r of vh.routes) {
        const pr = pv?.routes.find((x) => place(x) === place(r));
        if (!pr) continue;
        const equal = isDeepStrictEqual(pr, r);
        assert.equal(pr === r, equal, `${label}: route ${r.name} at ${l.name} ${vh.hostname}: ${equal ? 'deep-equal but a new object' : 'changed but the same object'}`);
        if (equal) kept++;
        else renewed++;
      }
    }
  }
  if (isDeepStrictEqual(prev, next)) assert.equal(prev, next, `${label}: an unchanged IR is the previous object`);
  return { kept, renewed };
}

/** Runs `snapshots` through the reference and a Translator, asserting equal results at every step. */
function runBoth(steps: readonly { snapshot: Snapshot; now: Date }[], label: string, rehearse = false): { incremental: number; kept: number; renewed: number; modes: string[]; rehearsed: number } {
  const modes: string[] = [];
  let rehearsed = 0;
  const translator = createTranslator();
  let kept = 0;
  let renewed = 0;
  let incPrevIr: GatewayIR | undefined;
  let refPrev: ReadonlyMap<string, ComputedStatus> | undefined;
  let incPrev: ReadonlyMap<string, ComputedStatus> | undefined;
  let incremental = 0;
  for (const [i, step] of steps.entries()) {
    const ref = translate({ snapshot: step.snapshot, now: step.now, ...(refPrev ? { previousStatuses: refPrev } : {}) });
    const inc = translator.translate({ snapshot: step.snapshot, now: step.now, ...(incPrev ? { previousStatuses: incPrev } : {}) });
    if (translator.lastMode === 'incremental') incremental++;
    modes.push(translator.lastMode ?? '');
    assert.deepEqual(comparable(inc), comparable(ref), `${label}: step ${i} (${translator.lastMode}) differs from the reference`);
    assert.ok(Object.isFrozen(inc.ir) && inc.ir.listeners.every((l) => Object.isFrozen(l) && Object.isFrozen(l.virtualHosts) && l.virtualHosts.every((v) => Object.isFrozen(v) && Object.isFrozen(v.routes))));
    if (incPrevIr) {
      const c = assertIdentity(incPrevIr, inc.ir, `${label}: step ${i} (${translator.lastMode})`);
      kept += c.kept;
      renewed += c.renewed;
    }
    refPrev = ref.statuses;
    incPrev = inc.statuses;
    incPrevIr = inc.ir;
    if (rehearse) {
      // A rehearsal between steps must leave nothing the next step could see.
      const [mode, internMs] = [translator.lastMode, translator.lastInternMs];
      if (translator.rehearse()) rehearsed++;
      assert.equal(translator.lastMode, mode, `${label}: step ${i}: rehearse changed lastMode`);
      assert.equal(translator.lastInternMs, internMs, `${label}: step ${i}: rehearse changed lastInternMs`);
    }
  }
  return { incremental, kept, renewed, modes, rehearsed };
}

test('Translator equals translate on every golden case, step by step', async () => {
  const dir = join(import.meta.dirname, '../../test/golden/translate');
  let incremental = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort()) {
    const steps = await loadCase(new CasePki(), readFileSync(join(dir, file), 'utf8'));
    // The harness's snapshots, as it builds them; objects not upserted by a step keep their identity.
    const snaps = steps.map((s, i) => ({ snapshot: createSnapshot(s.objects.map((object) => ({ object })), i + 1), now: s.now }));
    incremental += runBoth(snaps, file).incremental;
  }
  // conformance-2.1's reconcile steps only touch a policy and a ConfigMap: the fast path ran.
  assert.ok(incremental >= 3, `expected incremental steps in the goldens, got ${incremental}`);
});

/** A small PRNG, so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('Translator equals translate over randomized edit sequences', async () => {
  const [caA, caB] = await Promise.all([createCa({ commonName: 'A' }), createCa({ commonName: 'B' })]);
  const T0 = '2026-01-01T00:00:00Z';
  const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject['metadata'] =>
    ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: T0, generation: 1, ...extra });
  const GW = 'gateway.networking.k8s.io/v1';
  const namespaces = ['a', 'b', 'c'];
  const services = 8;

  let routeEditSteps = 0;
  let routeEditsIncremental = 0;
  for (let seed = 1; seed <= 24; seed++) {
    const random = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const objects = new Map<string, KubeObject>();
    const put = (o: KubeObject): void => void objects.set(objectKey(o.kind, o.metadata.namespace, o.metadata.name ?? ''), o);
    put({ apiVersion: GW, kind: 'GatewayClass', metadata: meta('lastmile'), spec: { controllerName: 'lastmile.dev/gateway-controller' } });
    for (const g of [0, 1]) {
      put({ apiVersion: GW, kind: 'Gateway', metadata: meta(`gw${g}`, 'infra'), spec: { gatewayClassName: 'lastmile', listeners: [{ name: 'http', port: 8000 + g, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } });
    }
    // gw0 has a second listener on its socket (a route match reached twice is one RouteIR), and
    // gw2, younger, shares that socket (RouteIRs of two Gateways in one virtual host: gatewayRank).
    put({ apiVersion: GW, kind: 'Gateway', metadata: meta('gw0', 'infra'), spec: { gatewayClassName: 'lastmile', listeners: [{ name: 'http', port: 8000, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }, { name: 'wild', port: 8000, protocol: 'HTTP', hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } }] } });
    put({ apiVersion: GW, kind: 'Gateway', metadata: meta('gw2', 'infra', { creationTimestamp: '2026-01-02T00:00:00Z' }), spec: { gatewayClassName: 'lastmile', listeners: [{ name: 'http', port: 8000, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } });
    put({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: meta('from-a', 'b'), spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'a' }], to: [{ group: '', kind: 'Service' }] } });
    const svcName = (i: number): string => `svc${i}`;
    const nsOf = (i: number): string => namespaces[i % namespaces.length] as string;
    for (let i = 0; i < services; i++) {
      put({ apiVersion: 'v1', kind: 'Service', metadata: meta(svcName(i), nsOf(i)), spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP' }, { name: 'plain', port: 80, protocol: 'TCP' }] } });
      put({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta(`${svcName(i)}-1`, nsOf(i), { labels: { 'kubernetes.io/service-name': svcName(i) } }), addressType: 'IPv4', ports: [{ name: 'https', port: 8443 }, { name: 'plain', port: 8080 }], endpoints: [{ addresses: [`10.0.0.${i}`] }] });
    }
    // EndpointSlice and Service variants: a pod moved or went unready, a port renumbered.
    const slice = (i: number): KubeObject => ({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta(`${svcName(i)}-1`, nsOf(i), { labels: { 'kubernetes.io/service-name': svcName(i) } }), addressType: 'IPv4',
      ports: [{ name: 'https', port: pick([8443, 9443]) }, { name: 'plain', port: pick([8080, 8081]) }],
      endpoints: [{ addresses: [`10.0.0.${i}`] }, ...(random() < 0.5 ? [{ addresses: [pick(['10.1.0.1', '10.1.0.2'])], conditions: { ready: random() < 0.7 } }] : [])],
    });
    const service = (i: number): KubeObject => ({
      apiVersion: 'v1', kind: 'Service', metadata: meta(svcName(i), nsOf(i)),
      spec: { ports: [{ name: 'https', port: pick([443, 444]), protocol: 'TCP' }, { name: 'plain', port: 80, protocol: 'TCP' }] },
    });
    const caMap = (ns: string, name: string, text: string): KubeObject => (({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, ns), data: { 'ca.crt': text } }));
    for (const ns of namespaces) {
      put(caMap(ns, 'ca', caA.certPem));
      put(caMap(ns, 'ca2', caB.certPem));
    }
    const route = (r: number): KubeObject => {
      const ns = nsOf(r);
      const other = (r + 1) % services;
      const refs = [{ name: svcName(r % services), port: 443 }, ...(r % 3 === 0 ? [{ name: svcName(other), namespace: nsOf(other), port: 80 }] : [])];
      return { apiVersion: GW, kind: 'HTTPRoute', metadata: meta(`r${r}`, ns), spec: { parentRefs: [{ name: `gw${r % 2}`, namespace: 'infra' }], hostnames: [`r${r % 4}.example.com`], rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/p${r % 3}` } }], backendRefs: refs.map((x) => ({ ...x })) }] } };
    };
    for (let r = 0; r < 10; r++) put(route(r));
    // Route spec edits: matches, filters, backendRefs, timeouts; the attachment (parentRefs,
    // hostnames) kept (incremental) or, now and then, changed too (a full run).
    const parentChoices = [[{ name: 'gw0', namespace: 'infra' }], [{ name: 'gw1', namespace: 'infra' }], [{ name: 'gw2', namespace: 'infra' }], [{ name: 'gw0', namespace: 'infra' }, { name: 'gw2', namespace: 'infra' }], [{ name: 'gw0', namespace: 'infra', sectionName: 'wild' }]];
    const httpMatch = (): Record<string, unknown> => ({
      ...(random() < 0.8 ? { path: { type: pick(['Exact', 'PathPrefix', 'PathPrefix', 'RegularExpression']), value: pick(['/', '/p0', '/p1', '/p11', '/a/b']) } } : {}),
      ...(random() < 0.3 ? { method: pick(['GET', 'POST']) } : {}),
      ...(random() < 0.3 ? { headers: [{ name: 'x-a', value: '1' }, ...(random() < 0.5 ? [{ name: 'x-b', value: '2' }] : [])] } : {}),
      ...(random() < 0.2 ? { queryParams: [{ name: 'q', value: '1' }] } : {}),
    });
    const filters = (): Record<string, unknown>[] => (random() < 0.6 ? [] : [pick([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-set', value: pick(['a', 'b']) }] } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x-r'] } },
      { type: 'RequestRedirect', requestRedirect: { statusCode: 301 } },
      { type: 'ExtensionRef', extensionRef: { group: 'x.dev', kind: 'Y', name: 'z' } },
    ])]);
    const backendRefs = (): Record<string, unknown>[] => Array.from({ length: Math.floor(random() * 3) }, () => {
      const i = Math.floor(random() * services);
      return { name: svcName(i), ...(random() < 0.5 ? { namespace: nsOf(i) } : {}), port: pick([443, 80]), ...(random() < 0.3 ? { weight: pick([0, 1, 5]) } : {}) };
    });
    const editRoute = (kind: 'HTTPRoute' | 'GRPCRoute', r: number, keepAttachment: boolean): KubeObject => {
      const ns = nsOf(r);
      const old = objects.get(objectKey(kind, ns, `r${r}`)) as (KubeObject & { spec?: Record<string, unknown> }) | undefined;
      const rules = Array.from({ length: random() < 0.1 ? 0 : 1 + Math.floor(random() * 3) }, () => kind === 'HTTPRoute'
        ? {
          ...(random() < 0.8 ? { matches: Array.from({ length: 1 + Math.floor(random() * 2) }, httpMatch) } : {}),
          filters: filters(), backendRefs: backendRefs(),
          ...(random() < 0.4 ? { timeouts: { request: pick(['1s', '2s', '0s']), ...(random() < 0.3 ? { backendRequest: '500ms' } : {}) } } : {}),
        }
        : {
          ...(random() < 0.8 ? { matches: [{ method: { service: pick(['svc.A', 'svc.B']), ...(random() < 0.5 ? { method: pick(['Get', 'Put']) } : {}) } }] } : {}),
          backendRefs: backendRefs(),
        });
      const attachment = keepAttachment && old
        ? { parentRefs: old.spec?.['parentRefs'], hostnames: old.spec?.['hostnames'] }
        : { parentRefs: pick(parentChoices), hostnames: pick([[`r${r % 4}.example.com`], [`r${(r + 1) % 4}.example.com`], ['x.example.com', `r${r % 4}.example.com`]]) };
      return { apiVersion: GW, kind, metadata: meta(`r${r}`, ns, { generation: ++version }), spec: { ...attachment, rules } };
    };
    let version = 0;
    const policy = (p: number, over: Record<string, unknown> = {}): KubeObject => {
      const s = p % services;
      const ns = nsOf(s);
      return {
        apiVersion: GW, kind: 'BackendTLSPolicy',
        metadata: meta(`p${p}`, ns, { creationTimestamp: `2026-01-0${1 + (p % 3)}T00:00:00Z`, generation: ++version }),
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: svcName(s), ...(random() < 0.3 ? { sectionName: pick(['https', 'plain', 'nope']) } : {}) }],
          validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: pick(['ca', 'ca2', 'missing']) }], hostname: pick(['a.example.com', 'b.example.com', '10.0.0.1']), ...(random() < 0.3 ? { subjectAltNames: [{ type: 'Hostname', hostname: 'san.example.com' }] } : {}) },
          ...over,
        },
      };
    };
    for (let p = 0; p < 10; p++) put(policy(p));
    // GRPCRoutes named like HTTPRoutes r0..r2 (same namespace/name: a precedence tie only the kind breaks).
    for (let r = 0; r < 3; r++) put(editRoute('GRPCRoute', r, false));

    const steps: { snapshot: Snapshot; now: Date }[] = [];
    const routeEdits: number[] = []; // steps that edited a route's spec, attachment kept
    const stored = new Map<string, { object: KubeObject }>();
    let last: Snapshot | undefined;
    const snap = (i: number): Snapshot => {
      // Keep StoredObject identity for unchanged objects, as the store does; odd seeds also
      // patch the previous snapshot as the store does (unchanged kinds share their lists).
      const upserted: StoredObject[] = [];
      const removed: StoredObject[] = [];
      for (const [k, o] of objects) {
        if (stored.get(k)?.object === o) continue;
        const next = { object: o };
        stored.set(k, next);
        upserted.push(next);
      }
      for (const [k, o] of [...stored]) {
        if (objects.has(k)) continue;
        stored.delete(k);
        removed.push(o);
      }
      last = (seed % 2 === 1 && last ? updateSnapshot(last, upserted, removed, i + 1) : undefined) ?? createSnapshot([...stored.values()], i + 1);
      return last;
    };
    steps.push({ snapshot: snap(0), now: new Date(T0) });
    for (let i = 1; i <= 40; i++) {
      const roll = random();
      const p = Math.floor(random() * 14);
      if (roll < 0.35) put(policy(p)); // edit (or add) a policy
      else if (roll < 0.42) objects.delete(objectKey('BackendTLSPolicy', nsOf(p % services), `p${p}`));
      else if (roll < 0.52) put(caMap(pick(namespaces), pick(['ca', 'ca2']), pick([caA.certPem, caB.certPem, 'garbage', ''])));
      else if (roll < 0.56) objects.delete(objectKey('ConfigMap', pick(namespaces), pick(['ca', 'ca2'])));
      else if (roll < 0.62) put(route(Math.floor(random() * 12))); // the route as first written (or created: a full run)
      else if (roll < 0.85) {
        const kind = random() < 0.8 ? 'HTTPRoute' : 'GRPCRoute';
        const r = Math.floor(random() * 10);
        const keep = random() < 0.8;
        const existed = objects.has(objectKey(kind, nsOf(r), `r${r}`));
        put(editRoute(kind, r, keep));
        if (keep && existed) routeEdits.push(i);
      }
      else if (roll < 0.9) objects.delete(objectKey('HTTPRoute', nsOf(p), `r${p}`));
      else if (roll < 0.95) put(slice(p % services)); // endpoints moved (often to the same place)
      else if (roll < 0.97) objects.delete(objectKey('EndpointSlice', nsOf(p % services), `${svcName(p % services)}-1`));
      else if (roll < 0.99) put(service(p % services));
      // else: nothing changed
      steps.push({ snapshot: snap(i), now: new Date(Date.parse(T0) + i * 60_000) });
    }
    const { incremental, kept, renewed, modes } = runBoth(steps, `seed ${seed}`);
    routeEditSteps += routeEdits.length;
    routeEditsIncremental += routeEdits.filter((i) => modes[i] === 'incremental').length;
    assert.ok(incremental > 10, `seed ${seed}: expected most steps incremental, got ${incremental}`);
    assert.ok(kept > renewed && renewed > 0, `seed ${seed}: expected most routes kept by identity and some renewed (kept ${kept}, renewed ${renewed})`);
  }
  // Most in-place route edits took the incremental path (some fall back: rules to or from none).
  console.log(`route spec edits: ${routeEditsIncremental} of ${routeEditSteps} incremental`);
  assert.ok(routeEditsIncremental > routeEditSteps / 2, `route spec edits: ${routeEditsIncremental} of ${routeEditSteps} incremental`);
});

test('Translator equals translate over long runs of policy edits (layered statuses, compaction)', async () => {
  // Hundreds of incremental steps in a row: each splices statuses into a layered map
  // (layered-map.ts), which is made a plain Map again when it grows; every step must still
  // equal the reference, and the reference must accept it as previousStatuses.
  const ca = await createCa({ commonName: 'L' });
  const T0 = '2026-01-01T00:00:00Z';
  const GW = 'gateway.networking.k8s.io/v1';
  const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject['metadata'] =>
    ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: T0, generation: 1, ...extra });
  const base: KubeObject[] = [
    { apiVersion: GW, kind: 'GatewayClass', metadata: meta('lastmile'), spec: { controllerName: 'lastmile.dev/gateway-controller' } },
    { apiVersion: GW, kind: 'Gateway', metadata: meta('gw', 'infra'), spec: { gatewayClassName: 'lastmile', listeners: [{ name: 'http', port: 8000, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('ca', 'n'), data: { 'ca.crt': ca.certPem } },
  ];
  const services = 24;
  for (let i = 0; i < services; i++) {
    base.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(`s${i}`, 'n'), spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } });
    base.push({ apiVersion: GW, kind: 'HTTPRoute', metadata: meta(`r${i}`, 'n'), spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], hostnames: [`r${i}.example.com`], rules: [{ backendRefs: [{ name: `s${i}`, port: 443 }] }] } });
  }
  const policy = (i: number, v: number): StoredObject => ({
    object: {
      apiVersion: GW, kind: 'BackendTLSPolicy', metadata: meta(`p${i}`, 'n', { generation: v }),
      spec: { targetRefs: [{ group: '', kind: 'Service', name: `s${i}` }], validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: `v${v % 3}.example.com` } },
    },
  });
  let current = [...base.map((object) => ({ object })), ...Array.from({ length: services }, (_, i) => policy(i, 1))];
  let snapshot = createSnapshot(current, 1);
  const steps: { snapshot: Snapshot; now: Date }[] = [{ snapshot, now: new Date(T0) }];
  const random = rng(7);
  for (let s = 1; s <= 300; s++) {
    const i = Math.floor(random() * services);
    const old = current.find((o) => o.object.kind === 'BackendTLSPolicy' && o.object.metadata.name === `p${i}`) as StoredObject;
    const next = policy(i, s + 1);
    current = current.map((o) => (o === old ? next : o));
    snapshot = updateSnapshot(snapshot, [next], [], s + 1) ?? createSnapshot(current, s + 1);
    steps.push({ snapshot, now: new Date(Date.parse(T0) + s * 1000) });
  }
  const { incremental } = runBoth(steps, 'policy edits');
  assert.equal(incremental, 300);
  // The same run with an edit rehearsed after every step: the same results, still incremental.
  const rehearsedRun = runBoth(steps.slice(0, 60), 'policy edits, rehearsed', true);
  assert.equal(rehearsedRun.incremental, 59);
  assert.equal(rehearsedRun.rehearsed, 60, 'every rehearsal ran the incremental path');
});

test('Translator.rehearse changes nothing a later translation sees (every golden case, rehearsed between steps)', async () => {
  const dir = join(import.meta.dirname, '../../test/golden/translate');
  let incremental = 0;
  let rehearsed = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).sort()) {
    const steps = await loadCase(new CasePki(), readFileSync(join(dir, file), 'utf8'));
    const snaps = steps.map((s, i) => ({ snapshot: createSnapshot(s.objects.map((object) => ({ object })), i + 1), now: s.now }));
    const r = runBoth(snaps, `${file}, rehearsed`, true);
    incremental += r.incremental;
    rehearsed += r.rehearsed;
  }
  assert.ok(incremental >= 3, `expected incremental steps in the goldens, got ${incremental}`);
  assert.ok(rehearsed > 0, 'some golden case has a BackendTLSPolicy to rehearse on');
});

test('Translator.rehearse: false before any translation and without a BackendTLSPolicy', () => {
  const t = createTranslator();
  assert.equal(t.rehearse(), false);
  t.translate({ snapshot: createSnapshot([], 1), now: new Date() });
  assert.equal(t.rehearse(), false);
  assert.equal(t.lastMode, 'full');
});

test('Translator falls back to a full run when the previous statuses are not its own', () => {
  const snapshot = createSnapshot([], 1);
  const t = createTranslator();
  const first = t.translate({ snapshot, now: new Date() });
  t.translate({ snapshot, now: new Date(), previousStatuses: new Map(first.statuses) });
  assert.equal(t.lastMode, 'full');
});

test('Translator: an EndpointSlice edit is incremental and renews only the routes of its Service', () => {
  const T0 = '2026-01-01T00:00:00Z';
  const GW = 'gateway.networking.k8s.io/v1';
  const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject['metadata'] =>
    ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: T0, generation: 1, ...extra });
  const slice = (i: number, address: string): StoredObject => ({
    object: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta(`s${i}-1`, 'n', { labels: { 'kubernetes.io/service-name': `s${i}` } }), addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: [address] }] },
  });
  const objects: StoredObject[] = [
    { object: { apiVersion: GW, kind: 'GatewayClass', metadata: meta('lastmile'), spec: { controllerName: 'lastmile.dev/gateway-controller' } } },
    { object: { apiVersion: GW, kind: 'Gateway', metadata: meta('gw', 'infra'), spec: { gatewayClassName: 'lastmile', listeners: [{ name: 'http', port: 8000, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } } },
  ];
  for (let i = 0; i < 6; i++) {
    objects.push({ object: { apiVersion: 'v1', kind: 'Service', metadata: meta(`s${i}`, 'n'), spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } });
    objects.push({ object: { apiVersion: GW, kind: 'HTTPRoute', metadata: meta(`r${i}`, 'n'), spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], hostnames: [`r${i}.example.com`], rules: [{ backendRefs: [{ name: `s${i}`, port: 80 }] }] } } });
    objects.push(slice(i, `10.0.0.${i}`));
  }
  const first = createSnapshot(objects, 1);
  const t = createTranslator();
  const a = t.translate({ snapshot: first, now: new Date(T0) });
  const edited = slice(2, '10.9.9.9');
  const second = updateSnapshot(first, [edited], [], 2) ?? createSnapshot(objects.map((o) => (o.object.metadata.name === 's2-1' ? edited : o)), 2);
  const b = t.translate({ snapshot: second, now: new Date(T0), previousStatuses: a.statuses });
  assert.equal(t.lastMode, 'incremental');
  assert.deepEqual(comparable(b), comparable(translate({ snapshot: second, now: new Date(T0), previousStatuses: a.statuses })));
  const routes = (r: TranslateResult): RouteIR[] => r.ir.listeners.flatMap((l) => l.virtualHosts.flatMap((v) => v.routes));
  const before = routes(a);
  const after = routes(b);
  assert.equal(after.length, 6);
  for (const [i, r] of after.entries()) {
    if (r.route.name === 'r2') {
      assert.notEqual(r, before[i], 'the route of the edited Service is a new object');
      assert.deepEqual(r.backends[0]?.backend.endpoints, [{ address: '10.9.9.9', port: 8080 }]);
    } else assert.equal(r, before[i], `${r.route.name} is the previous object`);
  }
  assert.equal(b.ir.listeners[0]?.virtualHosts.filter((v, i) => v !== a.ir.listeners[0]?.virtualHosts[i]).length, 1);
});

test('Translator: a route matches-only edit is incremental, re-sorted like the reference; attachment edits run in full', () => {
  const T0 = '2026-01-01T00:00:00Z';
  const GW = 'gateway.networking.k8s.io/v1';
  const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject['metadata'] =>
    ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: T0, generation: 1, ...extra });
  const route = (i: number, spec: Record<string, unknown>): StoredObject => ({
    object: { apiVersion: GW, kind: 'HTTPRoute', metadata: meta(`r${i}`, 'n', { creationTimestamp: `2026-01-0${1 + i}T00:00:00Z` }), spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], ...spec } },
  });
  const rule = (path: string, type = 'PathPrefix'): Record<string, unknown> => ({ matches: [{ path: { type, value: path } }], backendRefs: [{ name: 's', port: 80 }] });
  const objects: StoredObject[] = [
    { object: { apiVersion: GW, kind: 'GatewayClass', metadata: meta('lastmile'), spec: { controllerName: 'lastmile.dev/gateway-controller' } } },
    { object: { apiVersion: GW, kind: 'Gateway', metadata: meta('gw', 'infra'), spec: { gatewayClassName: 'lastmile', listeners: [{ name: 'http', port: 8000, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } } },
    { object: { apiVersion: 'v1', kind: 'Service', metadata: meta('s', 'n'), spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } } },
    // r0 and r1 share a virtual host; r2 and r3 have their own.
    route(0, { hostnames: ['shared.example.com'], rules: [rule('/a')] }),
    route(1, { hostnames: ['shared.example.com'], rules: [rule('/bb')] }),
    route(2, { hostnames: ['two.example.com'], rules: [rule('/')] }),
    route(3, { hostnames: ['three.example.com'], rules: [rule('/')] }),
  ];
  let current = objects;
  let snapshot = createSnapshot(objects, 1);
  const t = createTranslator();
  let prev = t.translate({ snapshot, now: new Date(T0) });
  const step = (edited: StoredObject): TranslateResult => {
    const name = edited.object.metadata.name;
    current = current.map((o) => (o.object.kind === 'HTTPRoute' && o.object.metadata.name === name ? edited : o));
    snapshot = updateSnapshot(snapshot, [edited], [], snapshot.version + 1) ?? createSnapshot(current, snapshot.version + 1);
    const out = t.translate({ snapshot, now: new Date(T0), previousStatuses: prev.statuses });
    assert.deepEqual(comparable(out), comparable(translate({ snapshot, now: new Date(T0), previousStatuses: prev.statuses })), `step ${snapshot.version} (${t.lastMode})`);
    assertIdentity(prev.ir, out.ir, `step ${snapshot.version}`);
    return out;
  };
  const hosts = (r: TranslateResult): Record<string, string[]> =>
    Object.fromEntries(r.ir.listeners[0]?.virtualHosts.map((v) => [v.hostname, v.routes.map((x) => `${x.route.name}:${x.match.path.value}`)]) ?? []);
  assert.deepEqual(hosts(prev)['shared.example.com'], ['r1:/bb', 'r0:/a']);

  // Matches only: r0 now has an Exact match (first) and a longer prefix than r1's (before it).
  let out = step(route(0, { hostnames: ['shared.example.com'], rules: [{ ...rule('/a/longer'), matches: [{ path: { type: 'PathPrefix', value: '/a/longer' } }, { path: { type: 'Exact', value: '/x' } }] }] }));
  assert.equal(t.lastMode, 'incremental');
  assert.deepEqual(hosts(out)['shared.example.com'], ['r0:/x', 'r0:/a/longer', 'r1:/bb']);
  const vhosts = (r: TranslateResult): readonly unknown[] => r.ir.listeners[0]?.virtualHosts ?? [];
  assert.equal(vhosts(out).filter((v) => !vhosts(prev).includes(v)).length, 1, 'only the shared virtual host is new');
  prev = out;

  // A timeout and a filter: incremental, same places.
  out = step(route(0, { hostnames: ['shared.example.com'], rules: [{ ...rule('/a/longer'), timeouts: { request: '3s' }, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] } }] }] }));
  assert.equal(t.lastMode, 'incremental');
  prev = out;

  // r2 alone in its virtual host loses its rules: the virtual host goes (a full run).
  out = step(route(2, { hostnames: ['two.example.com'], rules: [] }));
  assert.equal(t.lastMode, 'full');
  assert.equal(hosts(out)['two.example.com'], undefined);
  prev = out;

  // Hostnames or parentRefs changed: attachment may change, a full run.
  out = step(route(3, { hostnames: ['other.example.com'], rules: [rule('/')] }));
  assert.equal(t.lastMode, 'full');
  prev = out;
  out = step(route(1, { hostnames: ['shared.example.com'], parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'http' }], rules: [rule('/bb')] }));
  assert.equal(t.lastMode, 'full');
});
