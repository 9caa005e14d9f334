import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, EXIT_CLEAN, EXIT_FORCED, EXIT_HOOK_FAILED, STATUS_SCHEMA } from '../src/index.js';
import { KNOWN_OPTIONS } from '../src/validate-options.js';

/** The README is the contract users read: its option table and exit codes are checked against the code. */

const README = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

function optionRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of README.matchAll(/^\| `(\w+)` \| (.+?) \| .+ \|$/gm)) rows.set(match[1] ?? '', match[2] ?? '');
  return rows;
}

function asCode(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(asCode).join(', ')}]`;
  return String(value);
}

describe('README', () => {
  it('documents every option, and each default exactly as the code has it', () => {
    const rows = optionRows();
    expect([...rows.keys()].sort()).toEqual([...KNOWN_OPTIONS].sort());
    for (const [name, value] of Object.entries(DEFAULT_OPTIONS)) expect(`${name}: ${rows.get(name)}`).toBe(`${name}: \`${asCode(value)}\``);
  });

  it('documents the three exit codes with their constants, and the status schema name', () => {
    expect(README).toContain(`| ${EXIT_CLEAN} | \`EXIT_CLEAN\` |`);
    expect(README).toContain(`| ${EXIT_FORCED} | \`EXIT_FORCED\` |`);
    expect(README).toContain(`| ${EXIT_HOOK_FAILED} | \`EXIT_HOOK_FAILED\` |`);
    expect(README).toContain(`"schema": "${STATUS_SCHEMA}"`);
  });
});
