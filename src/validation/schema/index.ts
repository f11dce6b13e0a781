/**
 * The schema of each Gateway API kind lastmile validates, by canonical kind name. Core kinds
 * (Service, EndpointSlice, ConfigMap, Secret) have no schema here: their API-server checks are
 * code (validation/core/).
 */
import type { Schema } from './types.ts';
import { backendTLSPolicySchema } from './kinds/backendtlspolicy.ts';
import { gatewayClassSchema } from './kinds/gatewayclass.ts';
import { gatewaySchema } from './kinds/gateway.ts';
import { httpRouteSchema } from './kinds/httproute.ts';
import { grpcRouteSchema } from './kinds/grpcroute.ts';
import { tlsRouteSchema } from './kinds/tlsroute.ts';
import { referenceGrantSchema } from './kinds/referencegrant.ts';

const schemas: ReadonlyMap<string, Schema> = new Map([
  ['GatewayClass', gatewayClassSchema],
  ['Gateway', gatewaySchema],
  ['HTTPRoute', httpRouteSchema],
  ['GRPCRoute', grpcRouteSchema],
  ['TLSRoute', tlsRouteSchema],
  ['ReferenceGrant', referenceGrantSchema],
  // spec.md 6: v1alpha3 is an alias of v1 with a byte-identical schema, so one schema serves both.
  ['BackendTLSPolicy', backendTLSPolicySchema],
]);

/** The OpenAPI schema (with CEL rules) of a Gateway API kind, or undefined for other kinds. */
export function schemaFor(kind: string): Schema | undefined {
  return schemas.get(kind);
}
