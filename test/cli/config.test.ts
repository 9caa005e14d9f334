/**
 * drainctl.yaml and provider flags through the built binary, run from a temporary directory
 * that holds the file. Every refusal is exit 2 with one stderr line and no request reaching
 * the emulator.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nonEmptyLines, runCli, scratchDir } from '../support/cli.js';
import { cleanupAfterEach, ID, jsonDoc, runAgainst, startEmulator } from './helpers.js';

cleanupAfterEach();

const W1 = `elbv2:web/${ID.web1}`;

/** A fresh directory holding drainctl.yaml with `text`. */
function projectWith(text: string): string {
  const dir = scratchDir('drainctl-project-');
  writeFileSync(join(dir, 'drainctl.yaml'), text);
  return dir;
}

describe('refusals: exit 2, one line, nothing called', () => {
  it('a provider flag that none of the references uses (it was silently ignored before)', async () => {
    const emulator = await startEmulator();
    const run = await runAgainst(emulator, ['--mode', 'maint', 'drain', W1], { cwd: scratchDir() });
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)).toEqual([`drainctl: --mode applies only to haproxy references; this command names ${W1}`]);
    expect(emulator.requestLog).toEqual([]);
  });

  it('a provider flag on a command that names no reference', async () => {
    const run = await runCli(['--reload-command', 'true', 'history'], { cwd: scratchDir() });
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)).toEqual(['drainctl: --reload-command applies only to nginx references; this command names no reference']);
  });

  it('names the reference an alias stands for', async () => {
    const emulator = await startEmulator();
    const run = await runAgainst(emulator, ['--status-url', 'http://127.0.0.1:9/', 'status', 'web1'], { cwd: projectWith(`aliases:\n  web1: ${W1}\n`) });
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)).toEqual([`drainctl: --status-url applies only to nginx references; this command names ${W1}`]);
    expect(emulator.requestLog).toEqual([]);
  });

  it.each([
    ['an unknown key', 'region: us-east-1\ncolour: blue\n', /^drainctl: unknown key "colour" in .*drainctl\.yaml:2 \(the top level\); known keys there: /],
    ["another provider's option", 'groups:\n  "elbv2:web":\n    mode: maint\n', /^drainctl: "mode" in .*drainctl\.yaml:3 \(group "elbv2:web"\) is an option of haproxy, not elbv2; move it under haproxy/],
    ['an app-status-url that is not http', 'elbv2:\n  app-status-url: ftp://{ip}/drain\n', /^drainctl: invalid app-status-url in .*drainctl\.yaml:2 \(the elbv2 section\): only http and https URLs are read; e\.g\. http:\/\/\{ip\}:9000\/drain\/status$/],
    ['a min-healthy that is neither a count nor a percentage', 'elbv2:\n  min-healthy: half\n', /^drainctl: invalid min-healthy in .*drainctl\.yaml:2 \(the elbv2 section\) "half": expected a number of targets \(3\) or a percentage of the group \(50%\)/],
    ['a value outside the choices', 'haproxy:\n  mode: off\n', /^drainctl: invalid mode "off" in .*drainctl\.yaml:2 \(the haproxy section\); expected one of: drain, maint$/],
    ['an alias to no valid reference', 'aliases:\n  w: elbv2:web/i-bad\n', /^drainctl: alias "w" in .*drainctl\.yaml:2 \(aliases\): invalid reference "elbv2:web\/i-bad"/],
  ])('a file with %s', async (_name, text, line) => {
    const emulator = await startEmulator();
    const run = await runAgainst(emulator, ['drain', W1], { cwd: projectWith(text) });
    expect(run.code).toBe(2);
    const lines = nonEmptyLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(emulator.requestLog).toEqual([]);
  });

  it('an endpoint from the file that is not an http(s) URL names the file and line to fix', async () => {
    const run = await runCli(['--region', 'us-east-1', 'status', W1], { cwd: projectWith('endpoint-url: ftp://127.0.0.1:9\n') });
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^drainctl: invalid endpoint-url in .*drainctl\.yaml:1 "ftp:\/\/127\.0\.0\.1:9": only http:\/\/ and https:\/\/ endpoints/);
  });

  it('a region from the file that is not a region name names the file and line to fix', async () => {
    const emulator = await startEmulator();
    // --region is left out on purpose: the group's region in the file is the one in force.
    const run = await runCli(['--endpoint-url', emulator.url, 'status', W1], { cwd: projectWith('groups:\n  "elbv2:web":\n    region: us east 1\n') });
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/invalid AWS region "us east 1" \(from region in .*drainctl\.yaml:3 \(group "elbv2:web"\)\)/);
    expect(emulator.requestLog).toEqual([]);
  });

  it('a --config file that does not exist', async () => {
    const run = await runCli(['--config', 'missing.yaml', 'history'], { cwd: scratchDir() });
    expect(run.code).toBe(2);
    expect(nonEmptyLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/configuration file ".*missing\.yaml" \(from --config\) does not exist/);
  });
});

describe('settings reach the provider of the right group', () => {
  it("a group's region and the file's endpoint, with no flag or environment", async () => {
    const emulator = await startEmulator();
    const cwd = projectWith(`endpoint-url: ${emulator.url}\ngroups:\n  "elbv2:web":\n    region: us-east-1\n`);
    const web = await runCli(['status', 'elbv2:web', '-o', 'json'], { cwd });
    expect(web.code, web.stderr).toBe(0);
    expect(JSON.stringify(jsonDoc(web))).toContain(ID.web1);
    // The Classic load balancer has no region of its own in the file: the group section applied to web alone.
    const legacy = await runCli(['status', 'elb:legacy-web'], { cwd });
    expect(legacy.code).toBe(2);
    expect(legacy.stderr).toMatch(/no AWS region configured/);
  });

  it('two NGINX groups, each with its own main configuration', async () => {
    const dir = scratchDir('drainctl-nginx-');
    for (const [name, seconds] of [['a', 11], ['b', 22]] as const) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'up.conf'), 'upstream app { server 127.0.0.1:1; }\n');
      writeFileSync(join(dir, name, 'main.conf'), `worker_shutdown_timeout ${seconds}s;\nevents {}\n`);
    }
    const group = (name: string) => `nginx:${join(dir, name, 'up.conf')}/app`;
    writeFileSync(join(dir, 'drainctl.yaml'), ['a', 'b'].map((n) => `groups:\n  "${group(n)}":\n    nginx-conf: ${join(dir, n, 'main.conf')}\n`.replace(n === 'b' ? 'groups:\n' : '', '')).join(''));
    const shutdownOf = async (name: string) => {
      const run = await runCli(['timeout', 'get', group(name), '-o', 'json'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      return jsonDoc(run).drain_timeout.worker_shutdown_timeout;
    };
    expect(await shutdownOf('a')).toBe('11s');
    expect(await shutdownOf('b')).toBe('22s');
  });

  it("a group's timeout bounds drain when --timeout is not given", async () => {
    const emulator = await startEmulator();
    // `slow` holds its targets draining for 30 s: a 1 s bound from the file times out at once.
    const run = await runAgainst(emulator, ['drain', `elbv2:slow/${ID.slow1}`], { cwd: projectWith('groups:\n  "elbv2:slow":\n    timeout: 1s\n') });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/timed out/);
  });

  it('an alias works wherever a reference does', async () => {
    const emulator = await startEmulator();
    const run = await runAgainst(emulator, ['status', 'web1', '-o', 'json'], { cwd: projectWith(`aliases:\n  web1: ${W1}\n`) });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.stringify(jsonDoc(run))).toContain(ID.web1);
  });
});

describe('config show', () => {
  it('every value with its source: flag, env, file and line, default', async () => {
    const cwd = projectWith('region: eu-west-1\nprofile: from-file\nhaproxy:\n  mode: maint\ngroups:\n  "nginx:/etc/nginx/up.conf/app":\n    reload-command: reload-app\naliases:\n  web1: elbv2:web\n');
    const run = await runCli(['--reload-command', 'from-flag', 'config', 'show', '-o', 'json'], { cwd, env: { AWS_REGION: 'us-east-2' } });
    expect(run.code, run.stderr).toBe(0);
    const doc = jsonDoc(run);
    const file = join(cwd, 'drainctl.yaml');
    const value = (scope: string, key: string) => doc.values.find((v: { scope: string; key: string }) => v.scope === scope && v.key === key);
    expect(doc.files).toEqual([{ path: file, origin: 'project' }]);
    expect(value('run', 'region')).toEqual({ scope: 'run', key: 'region', value: 'us-east-2', source: 'env AWS_REGION', overridden: [{ value: 'eu-west-1', source: `${file}:1` }] });
    expect(value('run', 'profile')).toMatchObject({ value: 'from-file', source: `${file}:2` });
    expect(value('run', 'endpoint-url')).toMatchObject({ value: null, source: 'not set' });
    expect(value('haproxy', 'mode')).toMatchObject({ value: 'maint', source: `${file}:4 (haproxy)` });
    expect(value('nginx', 'nginx-conf')).toMatchObject({ value: '/etc/nginx/nginx.conf', source: 'default' });
    expect(value('group nginx:/etc/nginx/up.conf/app', 'reload-command')).toMatchObject({ value: 'from-flag', source: 'flag --reload-command', overridden: [{ value: 'reload-app', source: `${file}:7 (group "nginx:/etc/nginx/up.conf/app")` }] });
    expect(doc.aliases).toEqual([{ name: 'web1', reference: 'elbv2:web', source: `${file}:9 (aliases)` }]);
  });

  it('in text, one row per value, and says when no file was found', async () => {
    const run = await runCli(['config', 'show'], { cwd: scratchDir() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^files: none \(looked for \.\/drainctl\.yaml upward and .*\.config\/drainctl\/drainctl\.yaml\)/);
    expect(run.stdout).toMatch(/^haproxy\s+mode\s+drain\s+default$/m);
    expect(run.stdout).toMatch(/^run\s+ledger\s+\S+ledger\.db\s+env DRAINCTL_LEDGER$/m);
  });
});
