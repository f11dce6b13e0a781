/**
 * The schema language lastmile states its object schemas in: the subset of the Kubernetes
 * structural OpenAPI v3 schema that the Gateway API CRDs use, so facts (types, patterns, limits,
 * defaults, CEL rules) can be stated exactly as the API server enforces them. Descriptions are
 * written in our own words; `explain` prints them.
 */

export interface CelRule {
  /** The CEL expression; `self` is the node's value. */
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  /** Path relative to the node that the error points at, e.g. `.sectionName`. */
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface Schema {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly description?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  /** Map values (`map[string]T`). */
  readonly additionalProperties?: Schema;
  readonly items?: Schema;
  readonly enum?: readonly (string | number)[];
  readonly pattern?: string;
  readonly format?: 'int32' | 'int64' | 'date-time' | 'ipv4' | 'ipv6' | 'hostname' | string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly default?: unknown;
  readonly nullable?: boolean;
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  /** The value must NOT match this schema (Gateway `addresses` use it inside a `oneOf`). */
  readonly not?: Schema;
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'map' | 'set';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
}
