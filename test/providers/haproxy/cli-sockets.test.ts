import { describe, expect, it } from 'vitest';
import { chooseListener, isLocal, parseCliSockets } from '../../../src/providers/haproxy/cli-sockets.js';
import { formatHaproxyGroup } from '../../../src/providers/haproxy/syntax.js';

const answer = (...lines: string[]): string => ['# socket lvl processes', ...lines, ''].join('\n');

describe('choosing the runtime API listener that names an HAProxy process', () => {
  it('prefers a unix socket at level admin, whatever the order HAProxy lists them in', () => {
    const lines = ['ipv4@127.0.0.1:9999 admin all', 'unix@/run/haproxy/admin.sock admin all', 'ipv4@127.0.0.1:9998 operator all'];
    expect(chooseListener(parseCliSockets(answer(...lines)))).toEqual({ kind: 'unix', path: '/run/haproxy/admin.sock' });
    expect(chooseListener(parseCliSockets(answer(...lines.reverse())))).toEqual({ kind: 'unix', path: '/run/haproxy/admin.sock' });
  });

  it('then the lowest TCP address at level admin, IPv4 before IPv6, wildcards as loopback', () => {
    const listed = parseCliSockets(answer('unix@/run/haproxy/op.sock operator all', 'ipv6@[::1]:9000 admin all', 'ipv4@127.0.0.10:9000 admin all', 'ipv4@127.0.0.9:9999 admin all'));
    expect(chooseListener(listed)).toEqual({ kind: 'tcp', host: '127.0.0.9', port: 9999 });
    expect(chooseListener(parseCliSockets(answer('ipv4@0.0.0.0:9999 admin all')))).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9999 });
    expect(chooseListener(parseCliSockets(answer('ipv6@[::]:9999 admin all')))).toEqual({ kind: 'tcp', host: '::1', port: 9999 });
  });

  it('takes any level when none is admin, and nothing from an empty or unreachable list', () => {
    expect(chooseListener(parseCliSockets(answer('ipv4@127.0.0.1:9998 operator all')))).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9998 });
    expect(chooseListener(parseCliSockets(answer()))).toBeUndefined();
    expect(chooseListener(parseCliSockets(answer('abns@haproxy-master admin all', 'sockpair@5 admin all', 'unix@admin.sock admin all')))).toBeUndefined();
  });

  it('spells the group so that it reads back as a whole backend', () => {
    expect(formatHaproxyGroup({ kind: 'unix', path: '/run/haproxy/admin.sock' }, 'be_app')).toBe('/run/haproxy/admin.sock/be_app');
    expect(formatHaproxyGroup({ kind: 'unix', path: '/var/lib/haproxy/stats' }, 'be_app')).toBe('/var/lib/haproxy/stats//be_app');
    expect(formatHaproxyGroup({ kind: 'tcp', host: '::1', port: 9999 }, 'be_app')).toBe('[::1]:9999/be_app');
  });

  it('counts only loopback and unix sockets as this machine', () => {
    expect(isLocal({ kind: 'tcp', host: '127.0.0.1', port: 1 })).toBe(true);
    expect(isLocal({ kind: 'tcp', host: 'localhost', port: 1 })).toBe(true);
    expect(isLocal({ kind: 'tcp', host: '10.0.0.5', port: 1 })).toBe(false);
  });
});
