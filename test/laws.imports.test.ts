/**
 * `tensorlaw/laws` must load without fast-check (an optional peer): no module reachable from
 * laws/index.ts may import it; only laws/arbitraries does. This walks the source import graph,
 * so it holds without a build; test/package.test.ts checks the built bundles at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const specifiers = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveModule(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && p.endsWith('.ts'));
}

/** Every module reachable from `entry`, with the bare (package) imports of each. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (graph.has(file)) return;
    const packages: string[] = [];
    graph.set(file, packages);
    for (const m of readFileSync(file, 'utf8').matchAll(specifiers)) {
      const spec = (m[1] ?? m[2])!;
      if (!spec.startsWith('.')) packages.push(spec);
      else {
        const next = resolveModule(file, spec);
        if (next) visit(next);
      }
    }
  };
  visit(entry);
  return graph;
}

const importers = (graph: Map<string, string[]>, pkg: string): string[] =>
  [...graph].filter(([, pkgs]) => pkgs.some((p) => p === pkg || p.startsWith(`${pkg}/`))).map(([f]) => relative(root, f));

describe('tensorlaw/laws does not need fast-check', () => {
  it('no module reachable from laws/index.ts imports fast-check', () => {
    const graph = importGraph(join(root, 'laws/index.ts'));
    expect(graph.size).toBeGreaterThan(20);
    expect([...graph.keys()].map((f) => relative(root, f))).toContain('laws/checkGrads.ts');
    expect(importers(graph, 'fast-check')).toEqual([]);
  });

  it('laws/arbitraries does (the walk sees fast-check imports where they are)', () => {
    const graph = importGraph(join(root, 'laws/arbitraries/index.ts'));
    expect(importers(graph, 'fast-check')).toEqual(expect.arrayContaining(['laws/arbitraries/property.ts', 'laws/gradPrims.ts']));
  });
});
