/**
 * @module A fast-check arbitrary of a JSON value with one change somewhere: a value replaced (often by one of the
 * edge cases validators get wrong), a key added, or a key removed. For differential tests of hand-written checks
 * against their zod schemas.
 */
import fc from 'fast-check';

/** Values at the edges of the rules the schemas use: types, integers, ranges, lengths, padding, UUID case. */
const EDGE_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1,
  0.5,
  -90.5,
  180.5,
  8,
  9,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  2 ** 31 - 1,
  2 ** 31,
  1e308,
  '',
  'a',
  'AAA=',
  'AA==',
  'A===',
  '====',
  'AAAA====',
  '00000000-0000-4000-8000-00000000000A',
  '00000000-0000-4000-8000-00000000000a',
  '00000000-0000-4000-8000-00000000000a ',
  '0000000-00000-4000-8000-00000000000a',
  [],
  {},
];

const replacement: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGE_VALUES), weight: 6 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
);

type Path = readonly (string | number)[];

/** Every path to a value inside `value` (the root included). */
const pathsOf = (value: unknown, prefix: Path = [], into: Path[] = []): Path[] => {
  into.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) pathsOf(item, [...prefix, i], into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], into);
  }
  return into;
};

const clone = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const getAt = (root: unknown, path: Path): unknown =>
  path.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)[key], root);

type Change =
  | { readonly type: 'replace'; readonly with: unknown }
  | { readonly type: 'add'; readonly key: string; readonly with: unknown }
  | { readonly type: 'remove' }
  | { readonly type: 'grow' };

const change: fc.Arbitrary<Change> = fc.oneof(
  { arbitrary: replacement.map((value) => ({ type: 'replace' as const, with: value })), weight: 4 },
  fc
    .tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor')), replacement)
    .map(([key, value]) => ({ type: 'add' as const, key, with: value })),
  fc.constant({ type: 'remove' as const }),
  fc.constant({ type: 'grow' as const }),
);

/** `value` (JSON) with one change at one of its paths. */
export const mutatedJson = (value: unknown): fc.Arbitrary<unknown> => {
  const paths = pathsOf(value);
  return fc.tuple(fc.constantFrom(...paths), change).map(([path, what]) => {
    const root = clone(value);
    if (path.length === 0) return what.type === 'replace' ? what.with : root;
    const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
    const key = path.at(-1)!;
    const current = parent[key];
    switch (what.type) {
      case 'replace':
        parent[key] = what.with;
        break;
      case 'add':
        if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
          // defineProperty: an own "__proto__" key, as JSON.parse makes one.
          Object.defineProperty(current, what.key, {
            value: what.with,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else parent[key] = what.with;
        break;
      case 'remove':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 'grow':
        // One character more: a string at its length limit goes over it.
        parent[key] = typeof current === 'string' ? `${current}x` : current;
        break;
    }
    return root;
  });
};
