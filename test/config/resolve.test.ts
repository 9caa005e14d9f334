import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandAlias } from '../../src/cli/config/aliases.js';
import { describeSource, type FlagValues, loadConfiguration } from '../../src/cli/config/resolve.js';
import type { GroupRef } from '../../src/core/refs.js';
import { descriptorOf } from '../../src/providers/registry.js';
import { tree } from './helpers.js';

const web: GroupRef = { kind: 'group', provider: 'elbv2', group: 'web' };
const api: GroupRef = { kind: 'group', provider: 'elbv2', group: 'api' };

/** A project directory under a home with a user file; returns the configuration as a run from the project sees it. */
function load(project: string | undefined, user: string | undefined, opts: { flags?: FlagValues; env?: NodeJS.ProcessEnv } = {}) {
  const files: Record<string, string> = { 'home/project/.keep': '' };
  if (project !== undefined) files['home/project/drainctl.yaml'] = project;
  if (user !== undefined) files['home/.config/drainctl/drainctl.yaml'] = user;
  const root = tree(files);
  const config = loadConfiguration({ flags: opts.flags ?? {}, env: { HOME: join(root, 'home'), ...opts.env }, cwd: join(root, 'home/project') });
  return { config, root, project: join(root, 'home/project/drainctl.yaml'), user: join(root, 'home/.config/drainctl/drainctl.yaml') };
}

describe('precedence: flags > environment > project file > user file', () => {
  it('takes each source in turn as the stronger ones are removed', () => {
    const files = ['region: project-region\n', 'region: user-region\n'] as const;
    expect(load(...files, { flags: { region: 'flag-region' }, env: { AWS_REGION: 'env-region' } }).config.run('region').value).toBe('flag-region');
    expect(load(...files, { env: { AWS_REGION: 'env-region' } }).config.run('region').value).toBe('env-region');
    expect(load(...files).config.run('region').value).toBe('project-region');
    expect(load(undefined, files[1]).config.run('region').value).toBe('user-region');
    expect(load(undefined, undefined).config.run('region').value).toBeUndefined();
  });

  it('says where the value came from and what it overrides', () => {
    const { config, project, user } = load('region: p\n', 'region: u\n', { env: { AWS_REGION: 'e' } });
    const region = config.run('region');
    expect(describeSource(region.source!)).toBe('env AWS_REGION');
    expect(region.overridden.map((o) => describeSource(o.source))).toEqual([`${project}:1`, `${user}:1`]);
  });

  it('within a file: the group section, then the provider section, then the top level', () => {
    const { config } = load('region: top\nelbv2:\n  region: provider\ngroups:\n  "elbv2:web":\n    region: group\n', undefined);
    const elbv2 = descriptorOf('elbv2');
    expect(config.settingsFor(elbv2, web).region).toBe('group');
    expect(config.settingsFor(elbv2, api).region).toBe('provider');
    expect(config.settingsFor(descriptorOf('elb'), { kind: 'group', provider: 'elb', group: 'legacy' }).region).toBe('top');
  });

  it("a provider's options: flag, then group, then provider section, then the descriptor's default", () => {
    const nginx = descriptorOf('nginx');
    const a: GroupRef = { kind: 'group', provider: 'nginx', group: '/etc/nginx/a.conf/app' };
    const b: GroupRef = { kind: 'group', provider: 'nginx', group: '/etc/nginx/b.conf/app' };
    const text = 'nginx:\n  reload-command: reload-all\ngroups:\n  "nginx:/etc/nginx/a.conf/app":\n    reload-command: reload-a\n';
    const { config } = load(text, undefined);
    expect(config.settingsFor(nginx, a).options).toEqual({ 'nginx-conf': '/etc/nginx/nginx.conf', 'reload-command': 'reload-a' });
    expect(config.settingsFor(nginx, b).options?.['reload-command']).toBe('reload-all');
    const flagged = load(text, undefined, { flags: { reloadCommand: 'from-flag' } }).config;
    expect(flagged.settingsFor(nginx, a).options?.['reload-command']).toBe('from-flag');
    expect(describeSource(config.scoped('nginx-conf', nginx, a).source!)).toBe('default');
  });

  it('a group section in the project file beats the same group in the user file', () => {
    const { config } = load('groups:\n  "elbv2:web":\n    timeout: 2m\n', 'groups:\n  "elbv2:web":\n    timeout: 9m\n  "elbv2:api":\n    timeout: 7m\n');
    expect(config.timeoutFor(web).value).toBe('2m');
    expect(config.timeoutFor(api).value).toBe('7m');
  });

  it("reads a group's app-status-url, else its provider's", () => {
    const { config } = load('elbv2:\n  app-status-url: http://{ip}:9000/drain/status\ngroups:\n  "elbv2:web":\n    app-status-url: https://{id}.internal/drain/status\n', undefined);
    expect(config.appStatusUrlFor(web).value).toBe('https://{id}.internal/drain/status');
    expect(config.appStatusUrlFor(api).value).toBe('http://{ip}:9000/drain/status');
    expect(config.appStatusUrlFor({ kind: 'group', provider: 'haproxy', group: '/run/haproxy.sock/be' }).value).toBeUndefined();
  });

  it('matches a group section written without the project the run supplies', () => {
    const { config } = load('project: my-proj\ngroups:\n  "gcp-ig:us-central1-a/web-ig":\n    timeout: 3m\n', undefined);
    expect(config.timeoutFor({ kind: 'group', provider: 'gcp-ig', group: 'my-proj/us-central1-a/web-ig' }).value).toBe('3m');
  });

  it('resolves a relative ledger path against the file that names it', () => {
    const { config, root } = load('ledger: state/ledger.db\n', undefined);
    expect(config.run('ledger').value).toBe(join(root, 'home/project/state/ledger.db'));
  });
});

describe('aliases', () => {
  it('expand before parsing; the project file wins a name both files define', () => {
    const { config } = load('aliases:\n  web1: elbv2:web/i-0abc1234def567890:8080\n', 'aliases:\n  web1: elbv2:other/i-0abc1234def567890\n  api: elbv2:api\n');
    const aliases = config.aliases();
    expect(expandAlias('web1', aliases)).toBe('elbv2:web/i-0abc1234def567890:8080');
    expect(expandAlias('api', aliases)).toBe('elbv2:api');
    expect(expandAlias('elbv2:web/i-0abc1234def567890', aliases)).toBe('elbv2:web/i-0abc1234def567890');
    expect(() => expandAlias('web9', aliases)).toThrow(/invalid reference "web9": not <provider>:<group>\/<target>, nor an alias/);
  });

  it('refuses an alias that names no valid reference, and a name that could be read as one', () => {
    expect(() => load('aliases:\n  web1: elbv2:web/i-nothex\n', undefined)).toThrow(/alias "web1" in .*drainctl\.yaml:2 \(aliases\): invalid reference "elbv2:web\/i-nothex"/);
    expect(() => load('aliases:\n  "a:b": elbv2:web\n', undefined)).toThrow(/alias "a:b" in .*drainctl\.yaml:2 is not a valid name/);
  });
});

describe('refused files: exit 2 naming the key, the file and the line', () => {
  const cases: [string, string, RegExp][] = [
    ['an unknown top-level key', 'region: x\ncolour: blue\n', /unknown key "colour" in .*home\/project\/drainctl\.yaml:2 \(the top level\)/],
    ['an unknown key in a group', 'groups:\n  "elbv2:web":\n    regoin: x\n', /unknown key "regoin" in .*drainctl\.yaml:3 \(group "elbv2:web"\)/],
    ["another provider's option under a provider", 'nginx:\n  mode: maint\n', /"mode" in .*drainctl\.yaml:2 \(the nginx section\) is an option of haproxy, not nginx/],
    ["another provider's option in a group", 'groups:\n  "elbv2:web":\n    reload-command: x\n', /"reload-command" in .*drainctl\.yaml:3 \(group "elbv2:web"\) is an option of nginx, not elbv2/],
    ['a run-wide key in a group', 'groups:\n  "elbv2:web":\n    ledger: x.db\n', /"ledger" in .*:3 \(group "elbv2:web"\) holds for the whole run/],
    ['an app-status-url with an unknown placeholder', 'groups:\n  "elbv2:web":\n    app-status-url: http://{host}:9/drain\n', /invalid app-status-url in .*:3 \(group "elbv2:web"\): unknown placeholder \{host\}/],
    ['an app-status-url at the top (it is per provider or group)', 'app-status-url: http://x\n', /unknown key "app-status-url" in .*:1 \(the top level\)/],
    ['a value outside the choices', 'haproxy:\n  mode: off\n', /invalid mode "off" in .*:2 \(the haproxy section\); expected one of: drain, maint/],
    ['a bad timeout', 'elbv2:\n  timeout: soon\n', /invalid timeout "soon" in .*:2 \(the elbv2 section\): expected a number with an optional unit/],
    ['a zero timeout', 'groups:\n  "elbv2:web":\n    timeout: 0s\n', /invalid timeout "0s" in .*:3 .*greater than zero/],
    ['a group key with no provider', 'groups:\n  web:\n    timeout: 1m\n', /group "web" in .*:2 is not a group reference with a known provider/],
    ['a group key naming a target', 'groups:\n  "elbv2:web/i-0abc1234def567890":\n    timeout: 1m\n', /group "elbv2:web\/i-0abc1234def567890" in .*:2: "elbv2:web\/i-0abc1234def567890" names a target, not a target group/],
    ['a section that is not a mapping', 'nginx: yes\n', /the nginx section in .*:1 must be a mapping/],
    ['a key with no value', 'region:\n', /"region" in .*:1 \(the top level\) needs a value/],
    ['a value that is a list', 'region: [a, b]\n', /"region" in .*:1 \(the top level\) must be a single value, not a list/],
    ['invalid YAML', 'region: "unterminated\n', /drainctl\.yaml:\d+ is not valid YAML/],
    ['a duplicate key', 'region: a\nregion: b\n', /drainctl\.yaml:2 is not valid YAML: .*unique/i],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    let error: unknown;
    try {
      load(text, undefined);
    } catch (e) {
      error = e;
    }
    expect(error, 'the file must be refused').toMatchObject({ kind: 'usage' });
    const full = `${(error as Error).message}; ${(error as { hint?: string }).hint ?? ''}`;
    expect(full).toMatch(message);
  });

  it('reads an empty file and empty sections as nothing set', () => {
    expect(load('', undefined).config.run('region').value).toBeUndefined();
    expect(load('nginx:\ngroups:\naliases:\n', undefined).config.aliases().size).toBe(0);
  });
});
