/** The API server's checks of the core kinds lastmile reads (Service, EndpointSlice, ConfigMap, Secret). */
import type { Reporter } from '../report.ts';
import type { Schema } from '../schema/types.ts';
import { applyDefaults } from '../schema/defaults.ts';
import { validateStructure } from '../schema/structural.ts';
import { configMapShape, endpointSliceShape, secretShape, serviceShape } from './schemas.ts';
import { checkService } from './service.ts';
import { checkEndpointSlice } from './endpointslice.ts';
import { checkConfigMap } from './configmap.ts';
import { checkSecret } from './secret.ts';

const checks: Record<string, { shape: Schema; check: (obj: Record<string, unknown>, r: Reporter) => void }> = {
  Service: { shape: serviceShape, check: checkService },
  EndpointSlice: { shape: endpointSliceShape, check: checkEndpointSlice },
  ConfigMap: { shape: configMapShape, check: checkConfigMap },
  Secret: { shape: secretShape, check: checkSecret },
};

/**
 * Checks a core object in place (and applies the API server's defaults to it): first its shape
 * (types, unknown fields), then the kind's rules. Unknown kinds pass through unchecked.
 */
export function checkCoreKind(kind: string, obj: Record<string, unknown>, r: Reporter): void {
  const entry = Object.hasOwn(checks, kind) ? checks[kind] : undefined;
  if (entry === undefined) return;
  // Go decodes `null` as "absent"; the defaulting pass drops nulls the same way.
  applyDefaults(obj, entry.shape);
  const mark = r.diagnostics.length;
  validateStructure(obj, entry.shape, [], r);
  // Rules assume the shape; on a shape error they would only add noise.
  if (!r.erredSince(mark)) entry.check(obj, r);
}
