/**
 * BackendTLSPolicy evaluation independent of routes: what each policy asks for and whether it can
 * be honoured (spec.md 2.3, 4.4, 4.5), its targets (4.3: Service in the policy namespace,
 * sectionName = Service port name) and conflicts between policies on the same target
 * (older creationTimestamp, then `{namespace}/{name}`).
 */
import { isIP } from 'node:net';
import type { Service } from '../../api/core.ts';
import type { BackendTLSPolicy } from '../../api/gateway-api.ts';
import type { StoredObject } from '../../store/snapshot.ts';
import type { UpstreamTlsProfileIR } from '../../ir/types.ts';
import { PolicyReason } from '../../status/conditions.ts';
import { addDiagnostic, type TranslateContext } from '../context.ts';
import { compareByAge, compareStrings } from '../order.ts';
import { resolveCaRef, type CaRefResult } from './ca.ts';
import { parseOptions, type OptionsResult } from './options.ts';

/** The trust a policy resolves to, or why it cannot. */
export interface CaResolution {
  /** True when every reference is valid (or wellKnownCACertificates is System). */
  readonly ok: boolean;
  /** True when no reference is valid (Accepted=False/NoValidCACertificate). */
  readonly allInvalid: boolean;
  readonly refs: readonly CaRefResult[];
  /** ResolvedRefs=False reason: InvalidKind when every invalid ref is of a wrong kind. */
  readonly reason?: 'InvalidCACertificateRef' | 'InvalidKind';
  readonly message?: string;
  readonly trust?: UpstreamTlsProfileIR['trust'];
}

export interface PolicyModel {
  readonly stored: StoredObject<BackendTLSPolicy>;
  readonly policy: BackendTLSPolicy;
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name` */
  readonly key: string;
  /** Accepted=False/Invalid messages about the policy itself. */
  readonly invalid: readonly string[];
  readonly ca: CaResolution;
  readonly options: OptionsResult;
  readonly targets: TargetModel[];
}

export interface TargetModel {
  readonly policy: PolicyModel;
  readonly serviceNamespace: string;
  readonly serviceName: string;
  /** The Service port name, when the targetRef names one. */
  readonly sectionName: string | undefined;
  readonly service: Service | undefined;
  /** Why this target cannot be attached. */
  problem?: { readonly reason: 'TargetNotFound' | 'Invalid'; readonly message: string };
  /** Accepted message addition (e.g. UDP ports skipped). */
  warning?: string;
  /** Set on losers of a conflict: the policy that takes precedence. */
  lostTo?: PolicyModel;
}

type BundleTrust = Extract<UpstreamTlsProfileIR['trust'], { kind: 'bundle' }>;

/**
 * One trust object per list of CA sources and their certificates: within a snapshot the sources
 * (`ConfigMap/ns/name`, ...) determine the bundle, and the policies of a namespace mostly name
 * the same ConfigMaps. Sharing the object lets a profile's content hash reuse the CA bundle's
 * canonical JSON (profile.ts) instead of escaping it again for every policy (10k at N = 10k).
 * Kept across snapshots, by the identity of each source's certificate list (ca.ts parses a
 * bundle text once and hands back the same frozen list for the same text): the trust object
 * then stays the same while the CA objects do, so the profiles built from it are reused by the
 * next translation too (profile.ts). A changed CA text gives other lists, hence a new trust.
 */
interface TrustEntry {
  readonly pems: readonly (readonly string[] | undefined)[];
  readonly trust: BundleTrust;
}
const trustBySources = new Map<string, TrustEntry[]>();
/** Source lists remembered; the cache starts over when full (memory stays bounded). */
const MAX_TRUST_KEYS = 4096;

function bundleTrust(results: readonly CaRefResult[]): BundleTrust {
  const key = results.length === 1 ? (results[0] as CaRefResult).source : results.map((r) => r.source).join('\n');
  let entries = trustBySources.get(key);
  if (entries) {
    for (const e of entries) {
      if (e.pems.length === results.length && e.pems.every((p, i) => p === results[i]?.pems)) return e.trust;
    }
  } else {
    if (trustBySources.size >= MAX_TRUST_KEYS) trustBySources.clear();
    trustBySources.set(key, (entries = []));
  }
  const trust: BundleTrust = { kind: 'bundle', caPem: results.flatMap((r) => r.pems ?? []).join(''), sources: results.map((r) => r.source) };
  // A few versions per source list (a CA being rotated); older ones are dropped.
  if (entries.length >= 4) entries.shift();
  entries.push({ pems: results.map((r) => r.pems), trust });
  return trust;
}

function resolveCa(ctx: TranslateContext, p: BackendTLSPolicy, namespace: string): CaResolution {
  const v = p.spec?.validation;
  const refs = v?.caCertificateRefs ?? [];
  const wellKnown = v?.wellKnownCACertificates ?? '';
  if (refs.length === 0) {
    // wellKnownCACertificates: System is the OS/bundled store; other values are checked as Invalid.
    return { ok: true, allInvalid: false, refs: [], ...(wellKnown === 'System' ? { trust: { kind: 'system' } } : {}) };
  }
  const results = refs.map((ref, i) => resolveCaRef(ctx.snapshot, namespace, ref, i));
  const errors = results.filter((r) => r.error);
  if (errors.length === 0) {
    return { ok: true, allInvalid: false, refs: results, trust: bundleTrust(results) };
  }
  const allKind = errors.every((r) => r.error?.reason === 'InvalidKind');
  return {
    ok: false,
    allInvalid: errors.length === results.length,
    refs: results,
    reason: allKind ? PolicyReason.invalidKind : PolicyReason.invalidCACertificateRef,
    message: errors.map((r) => r.error?.message).join('; '),
  };
}

function intrinsicProblems(p: BackendTLSPolicy, options: OptionsResult): string[] {
  const out: string[] = [];
  const v = p.spec?.validation;
  const hostname = v?.hostname ?? '';
  if (!hostname) out.push('validation.hostname is empty');
  // spec.md 2.3: the pattern lets dotted-decimal strings through, the doc forbids IPs.
  else if (isIP(hostname) !== 0) out.push(`validation.hostname "${hostname}" is an IP address; it must be a DNS name (it is the SNI)`);
  const refs = v?.caCertificateRefs ?? [];
  const wellKnown = v?.wellKnownCACertificates ?? '';
  if (refs.length > 0 && wellKnown) out.push('caCertificateRefs and wellKnownCACertificates are both set');
  else if (refs.length === 0 && !wellKnown) out.push('neither caCertificateRefs nor wellKnownCACertificates is set');
  else if (wellKnown && wellKnown !== 'System') out.push(`wellKnownCACertificates "${wellKnown}" is not supported (lastmile supports "System")`);
  out.push(...options.errors);
  return out;
}

function buildTargets(ctx: TranslateContext, model: PolicyModel): void {
  (model.policy.spec?.targetRefs ?? []).forEach((ref, i) => {
    const group = ref.group ?? '';
    const service = group === '' && ref.kind === 'Service' ? ctx.snapshot.get<Service>('Service', model.namespace, ref.name)?.object : undefined;
    const t: TargetModel = {
      policy: model,
      serviceNamespace: model.namespace,
      serviceName: ref.name,
      sectionName: ref.sectionName || undefined,
      service,
    };
    const field = `spec.targetRefs[${i}]`;
    if (group !== '' || ref.kind !== 'Service') {
      // Validation already warns about an unsupported target kind (no other object needed).
      t.problem = { reason: 'TargetNotFound', message: `targetRefs[${i}]: ${group ? `${group}/` : ''}${ref.kind} is not a supported target (only core Services)` };
    } else if (!service) {
      t.problem = { reason: 'TargetNotFound', message: `targetRefs[${i}]: Service ${model.namespace}/${ref.name} not found` };
      addDiagnostic(ctx, model.stored, { severity: 'warning', code: 'policy_target_not_found', field, message: `Service ${model.namespace}/${ref.name} not found; the policy applies to nothing` });
    } else {
      const ports = service.spec?.ports ?? [];
      if (t.sectionName !== undefined) {
        const port = ports.find((p) => p.name === t.sectionName);
        if (!port) {
          t.problem = { reason: 'TargetNotFound', message: `targetRefs[${i}]: Service ${model.namespace}/${ref.name} has no port named "${t.sectionName}"` };
        } else if (port.protocol === 'UDP') {
          t.problem = { reason: 'Invalid', message: `targetRefs[${i}]: port "${t.sectionName}" of Service ${model.namespace}/${ref.name} is UDP; BackendTLSPolicy applies to TCP only` };
        }
      } else if (ports.length > 0 && ports.every((p) => p.protocol === 'UDP')) {
        t.problem = { reason: 'Invalid', message: `targetRefs[${i}]: every port of Service ${model.namespace}/${ref.name} is UDP; BackendTLSPolicy applies to TCP only` };
      } else if (ports.some((p) => p.protocol === 'UDP')) {
        t.warning = `UDP ports of Service ${model.namespace}/${ref.name} are not affected (TCP only)`;
      }
    }
    model.targets.push(t);
  });
}

/** The targets naming one Service. */
interface ServiceTargets {
  /** Every target whose Service exists, in policy then target order (targetsReachedBy). */
  readonly all: TargetModel[];
  /** Section ('' = whole Service) -> targets, precedence order. */
  readonly bySection: Map<string, TargetModel[]>;
  /** Targets naming a port the Service lacks (oldest first). */
  readonly dangling: TargetModel[];
}

const NO_TARGETS: readonly TargetModel[] = Object.freeze([]);

/** Every policy evaluated, plus the lookups routes need. */
export class PolicyIndex {
  readonly policies: readonly PolicyModel[];
  /**
   * namespace -> Service name -> its targets. Two map levels rather than `ns/svc#section`
   * strings: forBackend is asked once per backendRef and Gateway (~30k times at N = 10k) and
   * built two or three key strings each time (~4% of a full translation).
   */
  readonly #byService = new Map<string, Map<string, ServiceTargets>>();

  constructor(policies: PolicyModel[]) {
    this.policies = policies;
    const entry = (t: TargetModel): ServiceTargets => {
      let names = this.#byService.get(t.serviceNamespace);
      if (!names) this.#byService.set(t.serviceNamespace, (names = new Map()));
      let e = names.get(t.serviceName);
      if (!e) names.set(t.serviceName, (e = { all: [], bySection: new Map(), dangling: [] }));
      return e;
    };
    for (const p of policies) {
      for (const t of p.targets) {
        if (t.service) entry(t).all.push(t);
        if (!t.service && t.problem) continue;
        if (t.sectionName !== undefined && t.problem?.reason === 'TargetNotFound') {
          entry(t).dangling.push(t);
          continue;
        }
        const bySection = entry(t).bySection;
        const section = t.sectionName ?? '';
        let list = bySection.get(section);
        if (!list) bySection.set(section, (list = []));
        list.push(t);
      }
    }
    // spec.md 4.3: the oldest policy wins, then `{namespace}/{name}`; all others are Conflicted.
    for (const names of this.#byService.values()) {
      for (const e of names.values()) {
        for (const list of e.bySection.values()) {
          if (list.length < 2) continue;
          list.sort((a, b) => compareByAge(a.policy.policy, b.policy.policy));
          const winner = list[0];
          for (const t of list.slice(1)) if (winner) t.lostTo = winner.policy;
        }
        if (e.dangling.length > 1) e.dangling.sort((a, b) => compareByAge(a.policy.policy, b.policy.policy));
      }
    }
  }

  /**
   * The target whose policy applies to traffic for one Service port: a sectionName policy for
   * that port name beats a whole-Service policy (spec.md 4.3); undefined when none applies.
   */
  forBackend(namespace: string, service: string, portName: string): TargetModel | undefined {
    const e = this.#byService.get(namespace)?.get(service);
    if (!e) return undefined;
    if (portName !== '') {
      const specific = e.bySection.get(portName)?.[0];
      if (specific) return specific;
    }
    const whole = e.bySection.get('')?.[0];
    if (whole) return whole;
    // A policy that names a port the Service lacks attaches to nothing (spec.md 2.5), but the
    // user asked for TLS to this Service: a typo in sectionName must not turn into silent
    // plaintext. Ports no other policy covers fail closed (500) until the policy is fixed.
    return e.dangling[0];
  }

  /**
   * Targets that concern traffic to one Service port, for ancestors: whole-Service targets,
   * targets of that port name, and targets naming a port the Service lacks (TargetNotFound).
   */
  targetsReachedBy(namespace: string, service: string, portName: string): readonly TargetModel[] {
    // Through the per-Service index: scanning every policy for every route's backendRef was
    // O(routes x policies), the largest cost of translation at 10k policies.
    const all = this.#byService.get(namespace)?.get(service)?.all;
    if (!all) return NO_TARGETS;
    const out: TargetModel[] = [];
    for (const t of all) {
      if (t.sectionName === undefined || t.sectionName === portName || t.problem?.reason === 'TargetNotFound') out.push(t);
    }
    return out;
  }
}

/** Why traffic cannot use this target's policy (undefined = usable). */
export function unusableReason(t: TargetModel): string | undefined {
  const p = t.policy;
  // The usual case without building the lists below (asked once per backendRef and Gateway).
  if (p.invalid.length === 0 && !t.problem && p.ca.ok && p.ca.trust) return undefined;
  const why = [...p.invalid, ...(t.problem ? [t.problem.message] : []), ...(!p.ca.ok && p.ca.message ? [p.ca.message] : [])];
  // Never build a profile without trust anchors (it would be an unverified connection).
  if (why.length === 0 && !p.ca.trust) why.push('no trust anchors resolved');
  return why.length > 0 ? `BackendTLSPolicy ${p.key} cannot be honoured: ${why.join('; ')}` : undefined;
}

/**
 * What a policy says on its own (options, problems of the policy alone), remembered per policy
 * object: a pure function of it, and stored objects never change (store/metadata.ts).
 */
const ownVerdicts = new WeakMap<BackendTLSPolicy, { readonly options: OptionsResult; readonly invalid: readonly string[] }>();
function ownVerdict(policy: BackendTLSPolicy): { readonly options: OptionsResult; readonly invalid: readonly string[] } {
  let v = ownVerdicts.get(policy);
  if (!v) {
    const options = parseOptions(policy.spec?.options);
    v = { options, invalid: intrinsicProblems(policy, options) };
    ownVerdicts.set(policy, v);
  }
  return v;
}

/** Evaluates every BackendTLSPolicy in the snapshot (sorted by namespace/name). */
export function evaluatePolicies(ctx: TranslateContext): PolicyIndex {
  const models: PolicyModel[] = [];
  for (const stored of ctx.snapshot.list<BackendTLSPolicy>('BackendTLSPolicy')) {
    const policy = stored.object;
    const namespace = policy.metadata.namespace ?? '';
    const name = policy.metadata.name ?? '';
    const { options, invalid } = ownVerdict(policy);
    const model: PolicyModel = {
      stored, policy, namespace, name, key: `${namespace}/${name}`,
      invalid,
      ca: resolveCa(ctx, policy, namespace),
      options,
      targets: [],
    };
    buildTargets(ctx, model);
    models.push(model);
  }
  models.sort((a, b) => compareStrings(a.key, b.key));
  return new PolicyIndex(models);
}
