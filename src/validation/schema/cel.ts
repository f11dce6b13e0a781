/**
 * The CRDs' own CEL rules (`x-kubernetes-validations`), run with @bufbuild/cel as the API server
 * runs them (ecosystem.md 4):
 * - values are converted by schema: `integer` → bigint (a JS number is a CEL double, and
 *   `self.port + 1` would find no overload), objects → maps;
 * - property names are escaped as Kubernetes does (`namespace` → `__namespace__`, `-` → `__dash__`),
 *   otherwise `has(p.__namespace__)` is always false and the rule passes silently;
 * - every node with rules is evaluated with `self` bound to that node (bottom-up: children are
 *   converted, and their rules run, before their parent);
 * - transition rules (`oldSelf`) are skipped: a manifest folder has no previous version to compare;
 * - `message`, `messageExpression`, `fieldPath` and `reason` are honoured.
 * Each rule is compiled once and cached; subtrees whose rules all passed are remembered by value
 * (see PassCache), so a value repeated across objects is converted and evaluated once.
 */
import { isIP } from 'node:net';
import { celEnv, celFunc, CelScalar, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { CelRule, Schema } from './types.ts';
import type { FieldPath } from '../../sources/origin.ts';
import { duplicate, forbidden, invalid, required } from '../messages.ts';
import { isPlainObject } from '../values.ts';

/** Where CEL failures go. */
export interface CelSink {
  error(code: string, path: FieldPath, message: string): void;
}

/**
 * Kubernetes' `isIP(string)` (k8s.io/apiserver/pkg/cel/library/ip.go): true for an IPv4 or IPv6
 * address; zones and IPv4-mapped IPv6 forms are not IPs there.
 */
const isIPFunc = celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (s: string) => {
  if (s.includes('%')) return false;
  const v = isIP(s);
  if (v === 6 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(s)) return false;
  return v !== 0;
});

const env = celEnv({ funcs: [...strings, isIPFunc] });

type Program = ReturnType<typeof plan>;
const programs = new Map<string, Program | Error>();

/** Compiles a CEL expression once; a compile error is cached too and reported at each use. */
function program(expr: string): Program | Error {
  let p = programs.get(expr);
  if (p === undefined) {
    try {
      p = plan(env, parse(expr));
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err));
    }
    programs.set(expr, p);
  }
  return p;
}

const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import',
  'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/**
 * A property name as CEL rules see it (k8s.io/apiserver/pkg/cel/escaping.go), or undefined for
 * names CEL cannot address.
 */
export function escapeProperty(name: string): string | undefined {
  // Schema property names are few: remembered (a regex test and four replaceAll per property
  // of every object were ~1.5% of a cold load). Other names (map keys are data) are not.
  const known = escaped.get(name);
  if (known !== undefined || escaped.has(name)) return known;
  const out = escapePropertyUncached(name);
  if (escaped.size < MAX_ESCAPED) escaped.set(name, out);
  return out;
}

const escaped = new Map<string, string | undefined>();
const MAX_ESCAPED = 4096;

function escapePropertyUncached(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replaceAll('__', '__underscores__').replaceAll('.', '__dot__').replaceAll('-', '__dash__').replaceAll('/', '__slash__');
}

/** Marks a value that does not fit its schema: rules on it and its ancestors are not run. */
const MISFIT = Symbol('misfit');
type Converted = CelInput | typeof MISFIT;

/** Converts a value with no schema (under preserve-unknown-fields). */
function convertUntyped(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(convertUntyped);
  if (isPlainObject(value)) return new Map(Object.entries(value).map(([k, v]) => [k, convertUntyped(v)]));
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value as CelInput;
}

/**
 * Runs every CEL rule in `schema` over `value` at `path`. `value` must already be defaulted.
 * Returns nothing: failures go to `sink`.
 */
export function runCelRules(value: unknown, schema: Schema, path: FieldPath, sink: CelSink): void {
  const counting: CountingSink = {
    errors: 0,
    error(code, at, message) {
      counting.errors++;
      sink.error(code, at, message);
    },
  };
  // One path array for the whole walk, pushed and popped as it goes down and up (a copy is
  // taken only for a failure): a new array per node was ~2M arrays a cold load at N = 10k.
  walk(value, schema, [...path], counting);
}

/** A sink that counts what it passes on: a subtree that reported nothing can be remembered. */
interface CountingSink extends CelSink {
  errors: number;
}

/**
 * Subtrees whose rules all passed, per schema node with rules, by the JSON text of the value:
 * the converted value, to reuse without converting or evaluating again. A rule's verdict is a
 * pure function of `self`, and `self` is a pure function of the value and the schema node, so a
 * value seen before under the same node passes again and converts to an equal value (shared:
 * CEL never writes to its inputs). Only error-free outcomes are kept: a failure is evaluated
 * again and reported at its own path. Why: CEL evaluation was ~17% of a cold load at N = 10k
 * (BENCHMARKS.md "Control plane"), most of it the path-match rules (a `matches()` with a long
 * regex, 7 rules per match) over a handful of distinct values (`{type: PathPrefix, value: /}`);
 * parentRefs and backendRefs repeat too. Nodes whose values rarely repeat (whole specs) stop
 * being looked up after a trial (`PassCache.on`), so they cost one JSON text per value at most
 * MIN_TRIAL times.
 */
interface PassCache {
  readonly passed: Map<string, CelInput>;
  lookups: number;
  hits: number;
  on: boolean;
}
const passCaches = new WeakMap<Schema, PassCache>();
/** Lookups before a node's hit rate is judged; below 1 hit in 4 the node stops caching. */
const MIN_TRIAL = 256;
/** Values remembered per node; the map starts over when full (memory stays bounded). */
const MAX_PASSED = 4096;

function passCacheOf(schema: Schema): PassCache {
  let c = passCaches.get(schema);
  if (!c) passCaches.set(schema, (c = { passed: new Map(), lookups: 0, hits: 0, on: true }));
  return c;
}

/**
 * The cache key of a value: its JSON text, or undefined when JSON would not tell values apart
 * (NaN and ±Infinity print as `null`, as null does, and convert differently): any text holding
 * `null` is not cached. Manifest values are JSON-like (parse.ts, validate.ts deepCopy).
 */
function passKey(value: unknown): string | undefined {
  const key = JSON.stringify(value);
  return key === undefined || key.includes('null') ? undefined : key;
}

/** `path` is the walk's one path array (see runCelRules): read it, never keep it. */
function walk(value: unknown, schema: Schema, path: (string | number)[], sink: CountingSink): Converted {
  const rules = schema['x-kubernetes-validations'];
  let cache: PassCache | undefined;
  let key: string | undefined;
  if (rules !== undefined && (cache = passCacheOf(schema)).on) {
    key = passKey(value);
    if (key !== undefined) {
      cache.lookups++;
      const hit = cache.passed.get(key);
      if (hit !== undefined) {
        cache.hits++;
        return hit;
      }
      if (cache.lookups >= MIN_TRIAL && cache.hits * 4 < cache.lookups) {
        cache.on = false;
        cache.passed.clear();
      }
    }
  }
  const errorsBefore = sink.errors;
  const self = convertNode(value, schema, path, sink);
  if (self === MISFIT) return MISFIT;
  if (rules !== undefined) for (const rule of rules) evaluate(rule, self, schema, path, sink);
  if (cache?.on && key !== undefined && sink.errors === errorsBefore) {
    if (cache.passed.size >= MAX_PASSED) cache.passed.clear();
    cache.passed.set(key, self);
  }
  return self;
}

function convertNode(value: unknown, schema: Schema, path: (string | number)[], sink: CountingSink): Converted {
  if (value === null) return schema.nullable === true ? null : MISFIT;
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
    return MISFIT;
  }
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? value : MISFIT;
    case 'boolean':
      return typeof value === 'boolean' ? value : MISFIT;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : MISFIT;
    case 'number':
      return typeof value === 'number' ? value : MISFIT;
    case 'array': {
      if (!Array.isArray(value)) return MISFIT;
      const out: CelInput[] = [];
      let fits = true;
      for (let i = 0; i < value.length; i++) {
        let c: Converted;
        if (schema.items !== undefined) {
          path.push(i);
          c = walk(value[i], schema.items, path, sink);
          path.pop();
        } else {
          c = convertUntyped(value[i]);
        }
        if (c === MISFIT) fits = false;
        else out.push(c);
      }
      return fits ? out : MISFIT;
    }
    case 'object':
    case undefined: {
      if (!isPlainObject(value)) return schema.type === undefined ? convertUntyped(value) : MISFIT;
      const out = new Map<string, CelInput>();
      let fits = true;
      const props = schema.properties;
      for (const [key, v] of Object.entries(value)) {
        const prop = props !== undefined && Object.hasOwn(props, key) ? props[key] : undefined;
        let c: Converted;
        let celKey: string | undefined;
        if (prop !== undefined) {
          path.push(key);
          c = walk(v, prop, path, sink);
          path.pop();
          celKey = escapeProperty(key);
        } else if (schema.additionalProperties !== undefined) {
          // Map keys are data, reached as self['key']: never escaped.
          path.push(key);
          c = walk(v, schema.additionalProperties, path, sink);
          path.pop();
          celKey = key;
        } else if (schema['x-kubernetes-preserve-unknown-fields'] === true) {
          c = convertUntyped(v);
          celKey = escapeProperty(key);
        } else {
          // Unknown field: already an error; the API server would have pruned it.
          continue;
        }
        if (c === MISFIT) fits = false;
        else if (celKey !== undefined) out.set(celKey, c);
      }
      return fits ? out : MISFIT;
    }
    default:
      return MISFIT;
  }
}

function evaluate(rule: CelRule, self: CelInput, schema: Schema, walkPath: FieldPath, sink: CelSink): void {
  if (/\boldSelf\b/.test(rule.rule)) return;
  // A copy: the walk's path array changes as it goes on (and only failures need it).
  const at = (): FieldPath => (rule.fieldPath !== undefined ? [...walkPath, ...parseFieldPath(rule.fieldPath)] : [...walkPath]);
  const valueType = schema.type ?? 'object';
  const p = program(rule.rule);
  if (p instanceof Error) {
    sink.error('cel_rule', at(), invalid(valueType, `compilation failed: ${p.message} (rule: ${rule.rule})`));
    return;
  }
  let result: unknown;
  try {
    result = p({ self });
  } catch (err) {
    result = err instanceof Error ? err : new Error(String(err));
  }
  if (result === true) return;
  if (isCelError(result) || result instanceof Error || typeof result !== 'boolean') {
    const why = result instanceof Error ? result.message : `rule returned ${typeof result}, not a bool`;
    sink.error('cel_rule', at(), invalid(valueType, `${why} evaluating rule: ${rule.rule}`));
    return;
  }
  const message = ruleMessage(rule, self);
  switch (rule.reason) {
    case 'FieldValueForbidden':
      sink.error('cel_rule', at(), forbidden(message));
      break;
    case 'FieldValueRequired':
      sink.error('cel_rule', at(), required(message));
      break;
    case 'FieldValueDuplicate':
      sink.error('cel_rule', at(), duplicate(valueType));
      break;
    default:
      sink.error('cel_rule', at(), invalid(valueType, message));
  }
}

/** messageExpression when it yields a non-blank string, else message, else the API server's default. */
function ruleMessage(rule: CelRule, self: CelInput): string {
  if (rule.messageExpression !== undefined) {
    const p = program(rule.messageExpression);
    if (!(p instanceof Error)) {
      try {
        const m = p({ self });
        if (typeof m === 'string' && m.trim() !== '') return m;
      } catch {
        // Fall back to the static message, as the API server does.
      }
    }
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

/** `.spec.foo[0]['x.y']` → ['spec', 'foo', 0, 'x.y'] (the JSONPath subset fieldPath allows). */
export function parseFieldPath(fp: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']*)'\]/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(fp)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}
