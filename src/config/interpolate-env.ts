// `${VAR}` and `${VAR:-default}` interpolation over the parsed YAML tree, naming the key on failure.

export interface InterpolationProblem {
  path: Array<string | number>;
  message: string;
}

const wholeReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces references in every string value. `$$` is a literal `$`. An unset variable with no
 * default is a problem (reported with its key path), never an empty string.
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: InterpolationProblem[] = [],
  path: Array<string | number> = [],
): unknown {
  if (typeof value === 'string') {
    const replaced = value.replace(
      pattern,
      (match, name: string | undefined, fallback?: string) => {
        if (match === '$$') return '$';
        const variable = env[name as string];
        if (variable !== undefined && variable !== '') return variable;
        if (fallback !== undefined) return fallback;
        problems.push({ path, message: `environment variable ${name} is not set` });
        return '';
      },
    );
    // A value that is one whole reference takes the YAML scalar type of what it expands to, so
    // `port: ${PORT:-4000}` is a number, as if it had been written in the file.
    if (wholeReference.test(value)) {
      if (/^-?\d+(\.\d+)?$/.test(replaced)) return Number(replaced);
      if (replaced === 'true' || replaced === 'false') return replaced === 'true';
    }
    return replaced;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => interpolateEnv(item, env, problems, [...path, index]));
  }
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = interpolateEnv(item, env, problems, [...path, key]);
    }
    return result;
  }
  return value;
}
