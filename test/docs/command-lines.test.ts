import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { REPO_ROOT } from '../support/cli.js';

/** README.md and every page under docs/. */
function documentationFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return ['README.md', ...walk('docs')];
}

/**
 * The `drainctl …` command lines inside fenced code blocks, joined across `\` continuations.
 * A block whose info string says `invalid` shows a wrong command line on purpose, with its error.
 */
export function commandLines(markdown: string): string[] {
  const lines: string[] = [];
  let inFence = false;
  let skip = false;
  let pending = '';
  for (const raw of markdown.split('\n')) {
    const fence = /^\s*```(.*)$/.exec(raw);
    if (fence) {
      inFence = !inFence;
      skip = inFence && /\binvalid\b/.test(fence[1]!);
      continue;
    }
    if (!inFence || skip) continue;
    const line = pending + raw.trim();
    if (line.endsWith('\\')) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = '';
    const command = /^(?:\$\s+)?(?:[A-Z_]+=\S+\s+)*drainctl(\s.*)?$/.exec(line);
    if (command) lines.push(`drainctl${command[1] ?? ''}`);
  }
  return lines;
}

/** Splits a shell command line into words (quotes honoured), stopping at a pipe, redirect, `;`, `&&` or comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      started = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (started) words.push(word);
      word = '';
      started = false;
      continue;
    }
    if ((c === '|' || c === ';' || c === '>' || c === '#' || c === '&') && !started) break;
    word += c;
    started = true;
  }
  if (started) words.push(word);
  return words;
}

/** Parses one command line with drainctl's real command definitions, running nothing. */
async function parseOnly(words: readonly string[]): Promise<string | undefined> {
  let problem: string | undefined;
  const program = buildProgram('0.0.0', async () => {});
  const quiet = { writeOut: () => {}, writeErr: (t: string) => void (problem ??= t.trim()), outputError: (t: string) => void (problem ??= t.trim()) };
  const configure = (c: typeof program): void => {
    c.exitOverride().configureOutput(quiet);
    for (const sub of c.commands) configure(sub as typeof program);
  };
  configure(program);
  try {
    await program.parseAsync(['node', ...words]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode !== 0) return problem ?? error.message;
  }
  return undefined;
}

describe('command lines in README.md and docs/', () => {
  const found = documentationFiles().flatMap((file) => commandLines(readFileSync(join(REPO_ROOT, file), 'utf8')).map((line) => ({ file, line })));

  it('finds the documented command lines', () => {
    expect(found.length).toBeGreaterThan(40);
  });

  it('every one parses with the program as it is', async () => {
    const failures: string[] = [];
    for (const { file, line } of found) {
      const problem = await parseOnly(shellWords(line));
      if (problem) failures.push(`${file}: ${line}\n    ${problem}`);
    }
    expect(failures).toEqual([]);
  });

  it('a line with a mistake is caught (the check can fail)', async () => {
    expect(await parseOnly(['drainctl', 'drain', '--no-such-flag', 'elbv2:web/i-0a'])).toMatch(/unknown option/);
    expect(await parseOnly(['drainctl', 'timeout', 'recommend', '--from-alb-log', 'x'])).toMatch(/unknown option/);
  });
});
