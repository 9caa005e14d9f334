// lightship 7.3.0 as published on npm has no dist/ (its package.json exports ./dist/index.js, the tarball
// holds only src/*.ts), so `import 'lightship'` fails. The last 7.x that ships dist/ is 7.2.0, and 8+/9+
// need Node 22. Rather than measure another version, this transpiles the 7.3.0 sources the package does
// ship (TypeScript, no type check) into a temporary folder whose node_modules links the very dependencies
// npm installed for lightship (its own fastify 4, then the hoisted delay, roarr and serialize-error).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const LIGHTSHIP_DIR = join(REPO, 'node_modules', 'lightship');
const DEPENDENCIES = ['delay', 'fastify', 'roarr', 'serialize-error'];

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The folder a dependency resolves to from lightship's own folder, as Node would resolve it there. */
function dependencyDir(name) {
  for (const base of [join(LIGHTSHIP_DIR, 'node_modules'), join(REPO, 'node_modules')]) {
    try {
      readFileSync(join(base, name, 'package.json'));
      return join(base, name);
    } catch {
      // not in this node_modules
    }
  }
  throw new Error(`lightship's dependency ${name} is not installed (npm ci)`);
}

/**
 * Builds lightship 7.3.0 once; returns the path of its index.js, its version, and remove()
 * to delete the temporary folder.
 */
export function prepareLightship() {
  const ts = require('typescript');
  const { version } = JSON.parse(readFileSync(join(LIGHTSHIP_DIR, 'package.json'), 'utf8'));
  const root = mkdtempSync(join(tmpdir(), 'drainctl-bench-lightship-'));
  const out = join(root, 'lightship');
  const src = join(LIGHTSHIP_DIR, 'src');
  for (const file of tsFiles(src)) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    });
    const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(join(root, 'node_modules'));
  for (const name of DEPENDENCIES) symlinkSync(dependencyDir(name), join(root, 'node_modules', name), 'dir');
  return {
    entry: join(out, 'index.js'),
    version: `${version} (its src/, transpiled: the published package has no dist/)`,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
