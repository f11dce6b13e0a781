/**
 * GatewayClass (gateway.networking.k8s.io/v1, the storage version; v1beta1 has the same schema):
 * a class of Gateways and the controller that implements it. Cluster-scoped. Facts are those of
 * the Gateway API v1.6.1 standard-channel CRD.
 */
import type { Schema } from '../types.ts';
import { conditions, crdRoot, gatewayController, localObjectReference, namespace } from './common.ts';

/** What a fresh GatewayClass reports before any controller has looked at it. */
const pendingConditions = [
  {
    lastTransitionTime: '1970-01-01T00:00:00Z',
    message: 'Waiting for controller',
    reason: 'Pending',
    status: 'Unknown',
    type: 'Accepted',
  },
];

const spec: Schema = {
  type: 'object',
  required: ['controllerName'],
  description: 'Which controller implements Gateways of this class, and its settings.',
  properties: {
    controllerName: {
      ...gatewayController,
      description: 'The controller that manages this class, e.g. lastmile.dev/gateway-controller. Cannot change.',
      'x-kubernetes-validations': [{ message: 'Value is immutable', rule: 'self == oldSelf' }],
    },
    description: { type: 'string', maxLength: 64, description: 'Free text for people.' },
    parametersRef: {
      ...localObjectReference,
      description: 'An implementation-specific object with settings for the class.',
      properties: {
        ...localObjectReference.properties,
        namespace: { ...namespace, description: 'Namespace of the object, for namespaced kinds.' },
      },
    },
  },
};

const status: Schema = {
  type: 'object',
  default: { conditions: pendingConditions },
  description: 'What the controller reports about the class.',
  properties: {
    conditions: {
      ...conditions,
      default: pendingConditions,
      description: 'Accepted and similar conditions.',
    },
    supportedFeatures: {
      type: 'array',
      maxItems: 64,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      description: 'Gateway API features the controller supports for this class.',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', description: 'Feature name.' } },
      },
    },
  },
};

/** The schema of a GatewayClass object. */
export const gatewayClassSchema: Schema = crdRoot({
  description: 'A class of Gateways, implemented by one controller.',
  spec,
  status,
  specRequired: true,
});
