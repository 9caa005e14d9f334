/**
 * What someone typing their first commands sees: a command alone shows its help, a typo gets a
 * "did you mean", and a command's help names the global options too.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { cleanupAfterAll } from './helpers.js';

cleanupAfterAll();

describe('a command with no subcommand shows its help', () => {
  it.each([
    [[], /^Usage: drainctl \[options\] \[command\]/, /Commands:\n {2}drain /],
    [['timeout'], /^Usage: drainctl timeout \[options\] \[command\]/, /Commands:\n {2}get /],
  ])('drainctl %j: help on stdout, exit 0', async (args, usage, commands) => {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(usage);
    expect(result.stdout).toMatch(commands);
    expect(result.stderr).toBe('');
  });
});

describe('typos get a suggestion, as one line and exit 2', () => {
  it.each([
    [['drian', 'elbv2:web/i-0a1b2c3d4e5f60001'], "drainctl: unknown command 'drian'; did you mean drain?\n"],
    [['drain', '--dryrun', 'elbv2:web/i-0a1b2c3d4e5f60001'], "drainctl: unknown option '--dryrun'; did you mean --dry-run?\n"],
    [['timeout', 'gte', 'elbv2:web'], "drainctl: unknown command 'gte'; did you mean get?\n"],
    // A global option misspelt after the command is found among the globals too.
    [['drain', '--regoin', 'us-east-1', 'elbv2:web/i-0a1b2c3d4e5f60001'], "drainctl: unknown option '--regoin'; did you mean --region?\n"],
  ])('drainctl %j', async (args, stderr) => {
    const result = await runCli(args);
    expect(result).toEqual({ code: 2, stdout: '', stderr });
  });

  it('with nothing close enough, points to the help', async () => {
    const result = await runCli(['frobnicate']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: "drainctl: unknown command 'frobnicate' (see drainctl --help)\n" });
  });

  it('machine formats carry the suggestion in their error document', async () => {
    const result = await runCli(['-o', 'json', 'drian', 'x']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'error', error: { kind: 'usage', message: "unknown command 'drian'; did you mean drain?" }, exit_code: 2 });
  });
});

describe("a command's help points to the global options", () => {
  it.each(['drain', 'status', 'timeout set'])('drainctl %s --help lists them', async (command) => {
    const result = await runCli([...command.split(' '), '--help']);
    expect(result.code, result.stderr).toBe(0);
    const globals = result.stdout.slice(result.stdout.indexOf('Global Options:'));
    expect(result.stdout).toContain('Global Options:');
    for (const flag of ['-o, --output <format>', '--region <region>', '--endpoint-url <url>', '--ledger <path>', '--debug']) expect(globals).toContain(flag);
  });
});
