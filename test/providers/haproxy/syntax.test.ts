import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../../src/core/errors.js';
import { formatRef, parseRef } from '../../../src/core/refs.js';
import { haproxySyntax, parseHaproxyGroup } from '../../../src/providers/haproxy/syntax.js';
import { looksLikeStat, parseServersState, parseStat, splitCsv } from '../../../src/providers/haproxy/stats.js';

const parse = (text: string) => parseRef(text, [haproxySyntax]);
const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DrainctlError);
    expect((error as DrainctlError).kind).toBe('usage');
    return (error as DrainctlError).message;
  }
  throw new Error('expected a usage error');
};

describe('haproxy references', () => {
  it.each([
    ['haproxy:127.0.0.1:9999/be_app/app1', 'target', '127.0.0.1:9999/be_app', 'app1', { kind: 'tcp', host: '127.0.0.1', port: 9999 }],
    ['haproxy:lb-1.example.com:9999/be_app/app1', 'target', 'lb-1.example.com:9999/be_app', 'app1', { kind: 'tcp', host: 'lb-1.example.com', port: 9999 }],
    ['haproxy:[::1]:9999/be_app/app1', 'target', '[::1]:9999/be_app', 'app1', { kind: 'tcp', host: '::1', port: 9999 }],
    ['haproxy:/run/haproxy/admin.sock/be_app/app1', 'target', '/run/haproxy/admin.sock/be_app', 'app1', { kind: 'unix', path: '/run/haproxy/admin.sock' }],
    ['haproxy:/var/lib/haproxy/stats//be_app/app1', 'target', '/var/lib/haproxy/stats//be_app', 'app1', { kind: 'unix', path: '/var/lib/haproxy/stats' }],
    // Unmarked socket path in target form: positional, so still unambiguous.
    ['haproxy:/var/lib/haproxy/stats/be_app/app1', 'target', '/var/lib/haproxy/stats/be_app', 'app1', { kind: 'unix', path: '/var/lib/haproxy/stats' }],
  ])('%s is a target', (text, kind, group, target, address) => {
    const ref = parse(text);
    expect(ref).toMatchObject({ kind, provider: 'haproxy', group, target });
    expect(parseHaproxyGroup(ref.group).address).toEqual(address);
    expect(parse(formatRef(ref))).toEqual(ref);
  });

  it.each([
    ['haproxy:127.0.0.1:9999/be_app', '127.0.0.1:9999/be_app'],
    ['haproxy:[::1]:9999/be_app', '[::1]:9999/be_app'],
    ['haproxy:/run/haproxy/admin.sock/be_app', '/run/haproxy/admin.sock/be_app'],
    ['haproxy:/tmp/x/haproxy.socket/be.app', '/tmp/x/haproxy.socket/be.app'],
    ['haproxy:/var/lib/haproxy/stats//be_app', '/var/lib/haproxy/stats//be_app'],
  ])('%s is a whole group', (text, group) => {
    const ref = parse(text);
    expect(ref).toEqual({ kind: 'group', provider: 'haproxy', group });
    expect(parse(formatRef(ref))).toEqual(ref);
    expect(parseHaproxyGroup(group).backend).toMatch(/^be/);
  });

  it.each([
    ['haproxy:127.0.0.1/be_app/app1', /expected host:port/],
    ['haproxy:127.0.0.1:0/be_app/app1', /needs a port/],
    ['haproxy:127.0.0.1:99999/be_app/app1', /needs a port/],
    ['haproxy:127.0.0.1:9999', /does not name a backend/],
    ['haproxy:127.0.0.1:9999/be app/app1', /not an HAProxy backend name/],
    ['haproxy:127.0.0.1:9999/be_app/app 1', /not an HAProxy server name/],
    ['haproxy:[::1/be_app/app1', /IPv6 address in brackets/],
    ['haproxy:relative/path.sock/be_app/app1', /not a runtime API address/],
    ['haproxy:127.0.0.1:9999/be_app/', /server after the last "\/" is empty/],
  ])('%s is refused: %s', (text, message) => {
    expect(usage(() => parse(text))).toMatch(message);
  });
});

describe('runtime API answers', () => {
  it('finds show stat columns by header name, not position', () => {
    const text = '# pxname,svname,status,scur,qcur,type,addr,uweight\nbe,BACKEND,UP,3,0,1,,\nbe,s1,DRAIN,2,1,2,127.0.0.1:1,5\nbe,s2,"no check",0,0,2,127.0.0.1:2,1\n\n';
    expect(looksLikeStat(text)).toBe(true);
    expect(parseStat(text)).toEqual([
      { backend: 'be', server: 's1', qcur: 1, scur: 2, status: 'DRAIN', weight: 5, address: '127.0.0.1:1' },
      { backend: 'be', server: 's2', qcur: 0, scur: 0, status: 'no check', weight: 1, address: '127.0.0.1:2' },
    ]);
    expect(splitCsv('a,"b,c",d""')).toEqual(['a', 'b,c', 'd""']);
  });

  it('reads show servers state', () => {
    const text = '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port\n3 be_app 1 app1 127.0.0.1 2 8 1 1 4 15 3 3 6 0 0 0 - 3001\n\n';
    expect(parseServersState(text)).toEqual([{ backend: 'be_app', server: 'app1', address: '127.0.0.1', opState: 2, adminState: 8, userWeight: 1, initialWeight: 1, port: 3001 }]);
  });
});
