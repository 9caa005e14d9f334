import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/registry.js';
import { REPO_ROOT } from '../support/cli.js';

const SRC = join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Files outside src/providers where a provider's name is also another thing's name: the access-log
 * formats (`--format elb|haproxy|nginx`) are the formats those products write, not the providers.
 */
const SAME_WORD_OTHER_MEANING = new Set(['latency/formats.ts']);

describe('the provider registry', () => {
  it('every provider is one descriptor with a unique name, its own syntax and an existing docs page', () => {
    const names = PROVIDERS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PROVIDERS) {
      expect(p.syntax.provider).toBe(p.name);
      expect(statSync(join(REPO_ROOT, p.docs)).isFile()).toBe(true);
      if (p.timeout) expect(p.timeout.minSeconds).toBeLessThanOrEqual(p.timeout.maxSeconds);
      for (const o of p.options) expect(o.flag).toMatch(/^--[a-z][a-z-]*( <[a-z-]+>)?$/);
    }
  });

  it("each provider's docs page states its declared facts: timeout setting and range, and its own options", () => {
    const missing: string[] = [];
    for (const p of PROVIDERS) {
      const page = readFileSync(join(REPO_ROOT, p.docs), 'utf8');
      if (p.timeout && !page.includes(p.timeout.setting)) missing.push(`${p.docs}: ${p.name} timeout setting ${p.timeout.setting}`);
      if (p.timeout && !page.includes(`${p.timeout.minSeconds}-${p.timeout.maxSeconds}`) && !page.includes(`${p.timeout.minSeconds}–${p.timeout.maxSeconds}`)) missing.push(`${p.docs}: ${p.name} range ${p.timeout.minSeconds}-${p.timeout.maxSeconds}`);
      for (const o of p.options) if (!page.includes(o.flag.split(' ')[0]!)) missing.push(`${p.docs}: ${p.name} option ${o.flag}`);
    }
    expect(missing).toEqual([]);
  });

  it('nothing outside src/providers names a provider: adding one is its folder plus a registry line', () => {
    const quoted = new RegExp(`(['"\`])(${PROVIDERS.map((p) => p.name.replace('-', '\\-')).join('|')})\\1`, 'g');
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(SRC, file);
      if (rel.startsWith('providers/') || rel.startsWith('emulators/') || SAME_WORD_OTHER_MEANING.has(rel)) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(quoted)) offenders.push(`${rel}: ${match[0]}`);
    }
    expect(offenders).toEqual([]);
  });
});
