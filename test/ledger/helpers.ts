import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Returns a maker of temp dirs that are all removed after each test. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drainctl-ledger-'));
    dirs.push(dir);
    return dir;
  };
}

/**
 * Worker threads and child processes cannot load TypeScript on Node 20, so real
 * multi-connection tests run a plain transpile of src/ledger written into `dir`.
 */
export function buildLedgerForNode(dir: string): string {
  const out = path.join(dir, 'build');
  fs.mkdirSync(path.join(out, 'ledger'), { recursive: true });
  const srcDir = path.join(repoRoot, 'src', 'ledger');
  for (const name of fs.readdirSync(srcDir).filter((n) => n.endsWith('.ts'))) {
    const source = fs.readFileSync(path.join(srcDir, name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    fs.writeFileSync(path.join(out, 'ledger', name.replace(/\.ts$/, '.js')), outputText);
  }
  fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  return out;
}
