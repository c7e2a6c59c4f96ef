// Builds deterministic tool-call arguments from a JSON schema: required properties are filled
// (string "example", number/integer 42, boolean true, enum → first value, objects recursively).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON schema, probed field by field
type Schema = Record<string, any>;

const MAX_DEPTH = 8;

export function exampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > MAX_DEPTH) return {};
  const node = schema as Schema;
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length) return node.enum[0];
  if ('default' in node) return node.default;
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const options = node[key];
    if (Array.isArray(options) && options.length) return exampleFromSchema(options[0], depth + 1);
  }
  const type = Array.isArray(node.type) ? node.type.find((t: unknown) => t !== 'null') : node.type;
  switch (type) {
    case 'string':
      return 'example';
    case 'number':
    case 'integer':
      return 42;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return node.minItems ? [exampleFromSchema(node.items, depth + 1)] : [];
    default:
      return exampleObject(node, depth);
  }
}

function exampleObject(node: Schema, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = (node.properties ?? {}) as Record<string, unknown>;
  const required: unknown[] = Array.isArray(node.required) ? node.required : [];
  for (const name of required) {
    if (typeof name !== 'string') continue;
    result[name] = exampleFromSchema(properties[name] ?? { type: 'string' }, depth + 1);
  }
  return result;
}
