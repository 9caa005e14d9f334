import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * The library as plain JavaScript, for child processes (Node 20 cannot run TypeScript): each source file is
 * transpiled on its own into a temp dir. Returns the path of index.js and a function that removes the dir.
 */
export function buildLibrary(): { entry: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'drainctl-server-lib-'));
  for (const file of readdirSync(SOURCE).filter((name) => name.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(SOURCE, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  return { entry: join(dir, 'index.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
