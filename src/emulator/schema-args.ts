/**
 * Deterministic tool-call arguments from a JSON Schema: the smallest value
 * that validates for common schemas. Objects get only their required
 * properties; enums and consts win; bounds (minimum, minLength, minItems…)
 * are respected; local `$ref`s (#/$defs/…, #/definitions/…) are followed.
 * Unsupported keywords (pattern, if/then, dependencies…) are ignored.
 */

type Schema = Record<string, unknown>;

const MAX_DEPTH = 12;

/** Arguments for a tool whose `parameters` is `schema`. Always returns an object. */
export function argumentsFromSchema(schema: unknown): Record<string, unknown> {
  const value = valueFor(schema, asSchema(schema), 0);
  return isPlainObject(value) ? value : {};
}

/** A minimal valid value for `schema` (exported for tests of nested cases). */
export function valueFromSchema(schema: unknown): unknown {
  return valueFor(schema, asSchema(schema), 0);
}

function valueFor(rootRaw: unknown, schema: Schema, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  const root = asSchema(rootRaw);

  if (typeof schema['$ref'] === 'string') {
    const target = resolveRef(root, schema['$ref']);
    return target === undefined ? null : valueFor(rootRaw, target, depth + 1);
  }
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  if ('default' in schema && schema['default'] !== undefined) return schema['default'];
  if (Array.isArray(schema['examples']) && schema['examples'].length > 0) return schema['examples'][0];

  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      // Prefer a non-null branch: `anyOf: [{type: null}, {...}]` means "optional X".
      const branch = branches.map(asSchema).find((b) => b['type'] !== 'null') ?? asSchema(branches[0]);
      return valueFor(rootRaw, { ...omit(schema, key), ...branch }, depth + 1);
    }
  }
  if (Array.isArray(schema['allOf']) && schema['allOf'].length > 0) {
    return valueFor(rootRaw, mergeAllOf(root, schema, depth), depth + 1);
  }

  switch (pickType(schema)) {
    case 'object':
      return objectValue(rootRaw, schema, depth);
    case 'array':
      return arrayValue(rootRaw, schema, depth);
    case 'string':
      return stringValue(schema);
    case 'integer':
      return numberValue(schema, true);
    case 'number':
      return numberValue(schema, false);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return '';
  }
}

function pickType(schema: Schema): string | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const nonNull = type.find((t) => t !== 'null');
    return typeof nonNull === 'string' ? nonNull : 'null';
  }
  if (isPlainObject(schema['properties']) || Array.isArray(schema['required'])) return 'object';
  if ('items' in schema) return 'array';
  return undefined;
}

function objectValue(rootRaw: unknown, schema: Schema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = isPlainObject(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : [];
  for (const name of required) {
    out[name] = valueFor(rootRaw, asSchema(properties[name]), depth + 1);
  }
  // minProperties: add optional properties in declaration order until satisfied.
  const minProps = typeof schema['minProperties'] === 'number' ? schema['minProperties'] : 0;
  for (const name of Object.keys(properties)) {
    if (Object.keys(out).length >= minProps) break;
    if (!(name in out)) out[name] = valueFor(rootRaw, asSchema(properties[name]), depth + 1);
  }
  return out;
}

function arrayValue(rootRaw: unknown, schema: Schema, depth: number): unknown[] {
  const minItems = typeof schema['minItems'] === 'number' ? Math.max(0, Math.trunc(schema['minItems'])) : 0;
  const prefix = Array.isArray(schema['prefixItems']) ? schema['prefixItems'] : Array.isArray(schema['items']) ? schema['items'] : [];
  const itemSchema = isPlainObject(schema['items']) ? schema['items'] : {};
  const out: unknown[] = [];
  for (let i = 0; i < minItems; i++) {
    const s = i < prefix.length ? asSchema(prefix[i]) : itemSchema;
    out.push(valueFor(rootRaw, s, depth + 1));
  }
  return out;
}

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  'uri-reference': '/example',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  uuid: '00000000-0000-4000-8000-000000000000',
};

function stringValue(schema: Schema): string {
  const format = typeof schema['format'] === 'string' ? FORMAT_EXAMPLES[schema['format']] : undefined;
  let value = format ?? 'example';
  const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
  while (value.length < minLength) value += 'x';
  if (value.length > maxLength) value = value.slice(0, Math.max(0, maxLength));
  return value;
}

function numberValue(schema: Schema, integer: boolean): number {
  const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
  const exMin = typeof schema['exclusiveMinimum'] === 'number' ? schema['exclusiveMinimum'] : undefined;
  const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
  const exMax = typeof schema['exclusiveMaximum'] === 'number' ? schema['exclusiveMaximum'] : undefined;
  // 0 when the bounds allow it, else the nearest bound.
  let value = 0;
  if (min !== undefined && value < min) value = min;
  if (exMin !== undefined && value <= exMin) value = integer ? Math.floor(exMin) + 1 : exMin + 1;
  if (max !== undefined && value > max) value = max;
  if (exMax !== undefined && value >= exMax) value = integer ? Math.ceil(exMax) - 1 : exMax - 1;
  if (integer) value = Math.ceil(value);
  return value;
}

function mergeAllOf(root: Schema, schema: Schema, depth: number): Schema {
  const merged: Schema = omit(schema, 'allOf');
  const properties: Record<string, unknown> = isPlainObject(schema['properties']) ? { ...schema['properties'] } : {};
  const required = new Set<string>(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  for (const raw of schema['allOf'] as unknown[]) {
    let part = asSchema(raw);
    if (typeof part['$ref'] === 'string' && depth < MAX_DEPTH) part = resolveRef(root, part['$ref']) ?? {};
    for (const [k, v] of Object.entries(part)) {
      if (k === 'properties' && isPlainObject(v)) Object.assign(properties, v);
      else if (k === 'required' && Array.isArray(v)) for (const r of v) if (typeof r === 'string') required.add(r);
      else if (!(k in merged)) merged[k] = v;
    }
  }
  if (Object.keys(properties).length > 0) merged['properties'] = properties;
  if (required.size > 0) merged['required'] = [...required];
  return merged;
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  const path = ref.slice(1).split('/').filter((s) => s.length > 0).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const segment of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return isPlainObject(node) ? node : undefined;
}

function asSchema(value: unknown): Schema {
  return isPlainObject(value) ? value : {};
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function omit(schema: Schema, key: string): Schema {
  const { [key]: _dropped, ...rest } = schema;
  return rest;
}
