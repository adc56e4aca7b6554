/**
 * The architecture checks ESLint cannot make (`npm run lint` runs this after ESLint; docs/architecture.md):
 * - no import cycle between files of src/, counting `import type` too (import-x/no-cycle skips type-only
 *   imports, and a type cycle still ties two modules together);
 * - no cycle between the folders of one layer (src/<layer>/<folder>), so each folder can be read, tested
 *   and replaced on its own;
 * - test/ mirrors src/: every folder of test/ holding tests names a folder of src/ (test/helpers and
 *   test/fixtures aside).
 * Prints every violation and exits 1 when there is one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SHARED_TEST_FOLDERS = ['test/helpers', 'test/fixtures'];
const IMPORT = /(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** src-relative file → the src-relative files it imports (relative specifiers only). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of walk(join(root, 'src')).filter((path) => path.endsWith('.ts'))) {
    const from = relative(root, file);
    const targets: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      targets.push(relative(root, resolve(dirname(file), specifier)));
    }
    graph.set(from, targets);
  }
  return graph;
}

/** Strongly connected components with more than one node, or a node that imports itself (Tarjan). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** `src/<layer>/<folder>` of a file (`src/<layer>` for a file directly in its layer). */
function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 3 ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/');
}

function folderGraph(files: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const graph = new Map<string, Set<string>>();
  for (const [file, targets] of files) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of targets) {
      const to = folderOf(target);
      // Across layers the ESLint layer rule already orders the folders.
      if (to !== from && to.split('/')[1] === from.split('/')[1]) edges.add(to);
    }
  }
  return new Map([...graph].map(([folder, edges]) => [folder, [...edges]]));
}

function unmirroredTestFolders(): string[] {
  const folders = new Set(
    walk(join(root, 'test'))
      .filter((path) => path.endsWith('.test.ts'))
      .map((path) => relative(root, dirname(path))),
  );
  return [...folders]
    .filter((folder) => folder !== 'test')
    .filter((folder) => !SHARED_TEST_FOLDERS.some((shared) => folder.startsWith(shared)))
    .filter((folder) => !existsSync(join(root, 'src', folder.slice('test/'.length))))
    .sort();
}

function main(): number {
  const files = importGraph();
  const problems = [
    ...cycles(files).map((cycle) => `import cycle between files: ${cycle.join(' ↔ ')}`),
    ...cycles(folderGraph(files)).map((cycle) => `import cycle between folders: ${cycle.join(' ↔ ')}`),
    ...unmirroredTestFolders().map(
      (folder) => `${folder} has tests but src/${folder.slice('test/'.length)} does not exist`,
    ),
  ];
  for (const problem of problems) console.error(`check-architecture: ${problem}`);
  if (problems.length === 0)
    console.log(`check-architecture: ${files.size} files, no cycles, test/ mirrors src/`);
  return problems.length === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(main());
