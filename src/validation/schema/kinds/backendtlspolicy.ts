/**
 * BackendTLSPolicy (gateway.networking.k8s.io v1; v1alpha3 is an identical alias), every field,
 * limit, pattern and CEL rule as the v1.6.1 CRD enforces it (spec.md 2.1–2.9). CEL rules and
 * their messages are verbatim: the API server prints those messages, and so do we.
 */
import type { Schema } from '../types.ts';
import {
  absoluteURI,
  conditions,
  crdRoot,
  gatewayController,
  group,
  hostname,
  kind,
  localObjectReference,
  objectName,
  parentReference,
  preciseHostname,
  sectionName,
} from './common.ts';

/** spec.md 2.5: one target, always in the policy's namespace (there is no namespace field). */
const targetRef: Schema = {
  type: 'object',
  description:
    'A Service (or other object) in the same namespace whose connections this policy secures. group must be written, "" for a Service.',
  required: ['group', 'kind', 'name'],
  properties: {
    group: { ...group, description: 'API group of the target; "" (the core group) for a Service.' },
    kind: { ...kind, description: 'Kind of the target, e.g. Service.' },
    name: { ...objectName, description: 'Name of the target.' },
    sectionName: {
      ...sectionName,
      description: 'For a Service, the name of one of its ports; the policy then applies to that port only. Unset means every port.',
    },
  },
};

/** spec.md 2.2: the two targetRefs rules, verbatim. */
const targetRefsRules = [
  {
    message: 'sectionName must be specified when targetRefs includes 2 or more references to the same target',
    rule: "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))",
  },
  {
    message: 'sectionName must be unique when targetRefs includes 2 or more references to the same target',
    rule: "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))",
  },
] as const;

/** spec.md 2.4: one subject alternative name the backend certificate may carry. */
const subjectAltName: Schema = {
  type: 'object',
  description: 'One identity the backend certificate must carry as a Subject Alternative Name.',
  required: ['type'],
  properties: {
    type: {
      type: 'string',
      enum: ['Hostname', 'URI'],
      description: 'Which kind of SAN: Hostname (a DNS SAN) or URI (a URI SAN such as a SPIFFE ID).',
    },
    hostname: { ...hostname, description: 'The DNS name to match; required when type is Hostname, and only then allowed.' },
    uri: { ...absoluteURI, description: 'The URI to match, e.g. spiffe://cluster.local/ns/app/sa/api; required when type is URI, and only then allowed.' },
  },
  'x-kubernetes-validations': [
    {
      message: 'SubjectAltName element must contain Hostname, if Type is set to Hostname',
      rule: '!(self.type == "Hostname" && (!has(self.hostname) || self.hostname == ""))',
    },
    {
      message: 'SubjectAltName element must not contain Hostname, if Type is not set to Hostname',
      rule: '!(self.type != "Hostname" && has(self.hostname) && self.hostname != "")',
    },
    {
      message: 'SubjectAltName element must contain URI, if Type is set to URI',
      rule: '!(self.type == "URI" && (!has(self.uri) || self.uri == ""))',
    },
    {
      message: 'SubjectAltName element must not contain URI, if Type is not set to URI',
      rule: '!(self.type != "URI" && has(self.uri) && self.uri != "")',
    },
  ],
};

/** spec.md 2.3: how the backend's certificate is verified. */
const validation: Schema = {
  type: 'object',
  description:
    'How the gateway verifies the backend: which CAs to trust, the name to send as SNI, and which identities the certificate must carry.',
  required: ['hostname'],
  properties: {
    caCertificateRefs: {
      type: 'array',
      description:
        'ConfigMaps (key ca.crt) or Secrets holding PEM CA certificates to trust. Exactly one of this and wellKnownCACertificates must be set.',
      maxItems: 8,
      items: { ...localObjectReference, description: 'A ConfigMap or Secret in the policy namespace holding a PEM CA bundle.' },
      'x-kubernetes-list-type': 'atomic',
    },
    wellKnownCACertificates: {
      type: 'string',
      description:
        'A named trust store instead of caCertificateRefs. "System" is the operating system trust store; other values must be domain-prefixed.',
      minLength: 1,
      maxLength: 253,
      pattern:
        '^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$',
    },
    hostname: {
      ...preciseHostname,
      description:
        'The name sent as SNI to the backend. Without subjectAltNames the certificate must also be valid for this name. Not an IP address.',
    },
    subjectAltNames: {
      type: 'array',
      description: 'If set, the certificate must carry at least one of these SANs, and hostname is no longer used to authenticate it.',
      maxItems: 5,
      items: subjectAltName,
      'x-kubernetes-list-type': 'atomic',
    },
  },
  'x-kubernetes-validations': [
    {
      message: 'must not contain both CACertificateRefs and WellKnownCACertificates',
      rule: '!(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 && has(self.wellKnownCACertificates) && self.wellKnownCACertificates != "")',
    },
    {
      message: 'must specify either CACertificateRefs or WellKnownCACertificates',
      rule: '(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 || has(self.wellKnownCACertificates) && self.wellKnownCACertificates != "")',
    },
  ],
};

/** spec.md 2.2. */
const spec: Schema = {
  type: 'object',
  description: 'Which backends to reach over TLS, and how to verify them.',
  required: ['targetRefs', 'validation'],
  properties: {
    targetRefs: {
      type: 'array',
      description: 'The Services (or ports of Services) this policy applies to; 1 to 16, though one is advised.',
      minItems: 1,
      maxItems: 16,
      items: targetRef,
      'x-kubernetes-list-type': 'atomic',
      'x-kubernetes-validations': targetRefsRules,
    },
    validation: validation,
    options: {
      type: 'object',
      description:
        'Extra TLS settings as key/value pairs. lastmile reads lastmile.dev/min-tls-version, lastmile.dev/max-tls-version, lastmile.dev/cipher-suites and lastmile.dev/ecdh-curves.',
      maxProperties: 16,
      additionalProperties: { type: 'string', minLength: 0, maxLength: 4096 },
    },
  },
};

/** spec.md 2.9: PolicyStatus with its ancestors. */
const status: Schema = {
  type: 'object',
  description: 'What each controller concluded, per ancestor Gateway.',
  required: ['ancestors'],
  properties: {
    ancestors: {
      type: 'array',
      description: 'One entry per Gateway (and controller) whose traffic this policy affects; at most 16.',
      maxItems: 16,
      'x-kubernetes-list-type': 'atomic',
      items: {
        type: 'object',
        description: 'The verdict of one controller for one ancestor.',
        required: ['ancestorRef', 'conditions', 'controllerName'],
        properties: {
          ancestorRef: { ...parentReference, description: 'The ancestor (a Gateway) this entry is about.' },
          conditions: { ...conditions, minItems: 1, description: 'Accepted and ResolvedRefs for this ancestor.' },
          controllerName: { ...gatewayController, description: 'The controller that wrote this entry.' },
        },
      },
    },
  },
};

/** The BackendTLSPolicy schema (both v1 and v1alpha3). */
export const backendTLSPolicySchema: Schema = crdRoot({
  description: 'Tells the gateway to connect to a backend Service over TLS, and how to verify the certificate it presents.',
  spec,
  status,
  specRequired: true,
});
