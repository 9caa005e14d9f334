import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { afterEach } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Returns a maker of temp dirs that are all removed after each test, read-only folders in them included. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
        if (entry.isDirectory()) fs.chmodSync(path.join(entry.parentPath, entry.name), 0o755);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drainctl-ledger-'));
    dirs.push(dir);
    return dir;
  };
}

/** The packages a build of src/ledger loads at run time: better-sqlite3 and what it requires. */
const RUNTIME_PACKAGES: readonly { name: string; parts: readonly string[] }[] = [
  { name: 'better-sqlite3', parts: ['package.json', 'lib', 'build/Release/better_sqlite3.node'] },
  { name: 'bindings', parts: ['.'] },
  { name: 'file-uri-to-path', parts: ['.'] },
];

/**
 * Worker threads and child processes cannot load TypeScript on Node 20, so real
 * multi-connection tests run a plain transpile of src/ledger (its subfolders included, and the
 * src/core it imports) written into `dir`. The PostgreSQL driver is loaded through the
 * node_modules link; a build `forAnotherUser` copies only what SQLite needs.
 *
 * `forAnotherUser` gives the build its own copy of the packages it loads, readable by anyone:
 * a child running as another user must not need to read this checkout, which may sit in a
 * directory only its owner can enter. Worker threads must not use a copy: a second copy of
 * the SQLite library in one process does not see the first one's locks.
 */
export function buildLedgerForNode(dir: string, options: { forAnotherUser?: boolean } = {}): string {
  const out = path.join(dir, 'build');
  for (const folder of ['ledger', 'core']) transpileFolder(path.join(repoRoot, 'src', folder), path.join(out, folder));
  fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  if (!options.forAnotherUser) {
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(out, 'node_modules'), 'dir');
    return out;
  }
  const require = createRequire(path.join(repoRoot, 'package.json'));
  for (const pkg of RUNTIME_PACKAGES) {
    const from = path.dirname(require.resolve(`${pkg.name}/package.json`));
    for (const part of pkg.parts) {
      fs.cpSync(path.join(from, part), path.join(out, 'node_modules', pkg.name, part), { recursive: true, dereference: true });
    }
  }
  fs.chmodSync(dir, 0o755);
  makeReadableByAll(out);
  return out;
}

// Subfolders too: src/ledger/postgres is loaded by the same build.
function transpileFolder(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) transpileFolder(path.join(from, entry.name), path.join(to, entry.name));
  }
  for (const name of fs.readdirSync(from).filter((n) => n.endsWith('.ts'))) {
    const source = fs.readFileSync(path.join(from, name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    fs.writeFileSync(path.join(to, name.replace(/\.ts$/, '.js')), outputText);
  }
}

// Copies keep their source's mode, which in a private checkout can be owner-only.
function makeReadableByAll(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) fs.chmodSync(full, 0o755);
    else if (entry.isFile()) fs.chmodSync(full, fs.statSync(full).mode & 0o111 ? 0o755 : 0o644);
  }
}

/**
 * Zeroes the middle of the cell area of the first leaf page of `btree` (a table or index
 * name), as a disk fault would, leaving the file header and the page header intact.
 */
export function damagePage(file: string, btree: string): void {
  // Read-write, so closing checkpoints and removes the -wal: the damage lands in the file itself.
  const db = new Database(file);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const page = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1").pluck().get(btree) as number | undefined;
  db.close();
  if (page === undefined) throw new Error(`${file} has no leaf page for ${btree}`);
  const pageStart = (page - 1) * pageSize;
  const fd = fs.openSync(file, 'r+');
  try {
    const header = Buffer.alloc(8);
    fs.readSync(fd, header, 0, 8, pageStart + (page === 1 ? 100 : 0));
    const cellsStart = header.readUInt16BE(5) || 65536;
    const length = Math.max(16, Math.floor((pageSize - cellsStart) / 2));
    fs.writeSync(fd, Buffer.alloc(length), 0, length, pageStart + cellsStart + Math.floor((pageSize - cellsStart - length) / 2));
  } finally {
    fs.closeSync(fd);
  }
}
