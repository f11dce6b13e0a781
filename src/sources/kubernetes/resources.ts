/**
 * The API resources lastmile watches in a cluster, and the served version chosen for each by
 * discovery (api/kinds.ts lists the kinds and the versions lastmile accepts).
 */
import { KINDS, type KindInfo } from '../../api/kinds.ts';
import { ApiError, type KubeClient } from './client.ts';

/** One kind at the version the cluster serves it. */
export interface ApiResource {
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(resource: Pick<ApiResource, 'group' | 'version'>): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

function groupVersionPath(resource: Pick<ApiResource, 'group' | 'version'>): string {
  return resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
}

/** The collection URL path, across all namespaces unless one is given. */
export function collectionPath(resource: ApiResource, namespace?: string): string {
  const base = groupVersionPath(resource);
  if (resource.namespaced && namespace !== undefined && namespace !== '') {
    return `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
  }
  return `${base}/${resource.plural}`;
}

/** The object URL path (namespace ignored for cluster-scoped resources). */
export function objectPath(resource: ApiResource, namespace: string, name: string): string {
  const base = groupVersionPath(resource);
  const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource.plural}/${encodeURIComponent(name)}`;
}

/** The preferred order to try versions in: the GA `v1` first, then the table's order. */
function versionPreference(info: KindInfo): string[] {
  const rest = info.versions.filter((v) => v !== 'v1');
  return info.versions.includes('v1') ? ['v1', ...rest] : rest;
}

export interface DiscoveryResult {
  readonly resources: readonly ApiResource[];
  /** Kinds the cluster does not serve in any version lastmile reads (e.g. CRD not installed). */
  readonly missing: readonly string[];
}

interface ApiResourceList {
  resources?: { name: string; namespaced?: boolean }[];
}

/**
 * Picks the served version of every kind. Core kinds (Service, ConfigMap, Secret, EndpointSlice)
 * are served by every supported cluster; Gateway API kinds are looked up in the group-version
 * resource lists, so a cluster that serves BackendTLSPolicy only at v1alpha3 (Gateway API v1.3
 * experimental) is watched at v1alpha3, and a cluster without TLSRoute simply lacks it.
 */
export async function discoverResources(client: KubeClient, signal?: AbortSignal): Promise<DiscoveryResult> {
  const lists = new Map<string, Set<string> | null>();
  async function served(group: string, version: string): Promise<Set<string> | null> {
    const key = `${group}/${version}`;
    if (!lists.has(key)) {
      try {
        const list = await client.get<ApiResourceList>(groupVersionPath({ group, version }), undefined, signal);
        lists.set(key, new Set((list.resources ?? []).map((r) => r.name)));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) lists.set(key, null);
        else throw error;
      }
    }
    return lists.get(key) ?? null;
  }

  const resources: ApiResource[] = [];
  const missing: string[] = [];
  for (const info of KINDS) {
    if (!info.gatewayApi) {
      resources.push({ kind: info.kind, group: info.group, version: info.versions[0] ?? 'v1', plural: info.plural, namespaced: info.namespaced });
      continue;
    }
    let found: string | undefined;
    for (const version of versionPreference(info)) {
      const names = await served(info.group, version);
      if (names?.has(info.plural)) {
        found = version;
        break;
      }
    }
    if (found === undefined) missing.push(info.kind);
    else resources.push({ kind: info.kind, group: info.group, version: found, plural: info.plural, namespaced: info.namespaced });
  }
  return { resources, missing };
}

/** How the served resources changed between two discoveries. */
export interface ResourceChanges {
  /** Kinds served now and not before (CRD installed after start-up). */
  readonly added: readonly ApiResource[];
  /** Kinds served before and not now (CRD removed, or no version lastmile reads is served). */
  readonly removed: readonly ApiResource[];
  /** Kinds served at another version now (e.g. BackendTLSPolicy v1alpha3 → v1 after an upgrade). */
  readonly changed: readonly { readonly from: ApiResource; readonly to: ApiResource }[];
}

/** Compares the resources being watched with a fresh discovery, kind by kind. */
export function diffResources(current: ReadonlyMap<string, ApiResource>, next: readonly ApiResource[]): ResourceChanges {
  const added: ApiResource[] = [];
  const removed: ApiResource[] = [];
  const changed: { from: ApiResource; to: ApiResource }[] = [];
  const nextByKind = new Map(next.map((r) => [r.kind, r]));
  for (const to of next) {
    const from = current.get(to.kind);
    if (!from) added.push(to);
    else if (from.group !== to.group || from.version !== to.version || from.plural !== to.plural || from.namespaced !== to.namespaced) changed.push({ from, to });
  }
  for (const [kind, from] of current) if (!nextByKind.has(kind)) removed.push(from);
  return { added, removed, changed };
}
