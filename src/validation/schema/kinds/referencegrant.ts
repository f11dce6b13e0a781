/**
 * ReferenceGrant (gateway.networking.k8s.io/v1beta1, the storage version; v1 is served with the
 * same schema): lets objects in other namespaces refer to objects in this one. Facts are those of
 * the Gateway API v1.6.1 standard-channel CRD.
 */
import type { Schema } from '../types.ts';
import { crdRoot, group, kind, namespace, objectName } from './common.ts';

const spec: Schema = {
  type: 'object',
  required: ['from', 'to'],
  description: 'Which referrers (from) may refer to which objects of this namespace (to).',
  properties: {
    from: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      'x-kubernetes-list-type': 'atomic',
      description: 'The kinds and namespaces of objects allowed to refer here.',
      items: {
        type: 'object',
        required: ['group', 'kind', 'namespace'],
        properties: {
          group: { ...group, description: 'API group of the referrer; empty for the core group.' },
          kind: { ...kind, description: 'Kind of the referrer, e.g. HTTPRoute.' },
          namespace: { ...namespace, description: 'Namespace the referrer lives in.' },
        },
      },
    },
    to: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      'x-kubernetes-list-type': 'atomic',
      description: 'The objects of this namespace that may be referred to.',
      items: {
        type: 'object',
        required: ['group', 'kind'],
        properties: {
          group: { ...group, description: 'API group of the target; empty for the core group.' },
          kind: { ...kind, description: 'Kind of the target, e.g. Service or Secret.' },
          name: { ...objectName, description: 'Name of the target; omitted means all objects of the kind.' },
        },
      },
    },
  },
};

/** The schema of a ReferenceGrant object. */
export const referenceGrantSchema: Schema = crdRoot({
  description: 'Allows references from other namespaces to objects in the namespace of this grant.',
  spec,
  specRequired: true,
});
