import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../../src/core/errors.js';
import { formatRef, parseRef } from '../../../src/core/refs.js';
import { decodeProcAddress, normaliseIp } from '../../../src/providers/nginx/processes.js';
import { parseStubStatus } from '../../../src/providers/nginx/stub-status.js';
import { nginxSyntax, parseNginxGroup } from '../../../src/providers/nginx/syntax.js';
import { ConfigSyntaxError, tokenize } from '../../../src/providers/nginx/tokenizer.js';
import { findUpstreams, mainDirective, setDown } from '../../../src/providers/nginx/upstream.js';

const SOURCE = `# upstreams \t{ not a block }
upstream app {
    zone app 64k;   # "quoted" comment with ; and }
    server 10.0.0.1:8080 weight=2 max_fails=3;
    server   10.0.0.2:8080 ;  # odd spacing kept
    server "10.0.0.3:8080"
           backup;
    server 10.0.0.4:8080 down;
    server 10.0.0.5:8080 down weight=5;
    server 10.0.0.6:8080 # a comment between
        down;
    set_real_ip_from x#y; # '#' inside a word is not a comment
    keepalive 16;
}
map $x \${y}z { default 1; }
upstream other { server unix:/run/app.sock; }
`;

describe('nginx tokenizer and upstream edits', () => {
  it('reads upstream blocks, servers and their parameters, ignoring comments and quotes', () => {
    const blocks = findUpstreams(SOURCE);
    expect(blocks.map((b) => b.name)).toEqual(['app', 'other']);
    expect(blocks[0]!.servers.map((s) => [s.address, s.parameters, s.down])).toEqual([
      ['10.0.0.1:8080', ['weight=2', 'max_fails=3'], false],
      ['10.0.0.2:8080', [], false],
      ['10.0.0.3:8080', ['backup'], false],
      ['10.0.0.4:8080', [], true],
      ['10.0.0.5:8080', ['weight=5'], true],
      ['10.0.0.6:8080', [], true],
    ]);
    expect(tokenize('a x#y;').map((t) => t.value)).toEqual(['a', 'x#y', ';']);
  });

  it('adds and removes down changing nothing else, and a round trip gives the same bytes', () => {
    const all = ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'];
    const drained = setDown(SOURCE, 'app', all, true);
    expect(drained).toBe(
      SOURCE.replace('max_fails=3;', 'max_fails=3 down;').replace('10.0.0.2:8080 ;', '10.0.0.2:8080 down ;').replace('backup;', 'backup down;'),
    );
    expect(setDown(drained, 'app', all, false)).toBe(SOURCE);
    expect(setDown(drained, 'app', all, true)).toBe(drained);
    const restored = setDown(SOURCE, 'app', ['10.0.0.4:8080', '10.0.0.5:8080', '10.0.0.6:8080'], false);
    expect(restored).toBe(
      SOURCE.replace('10.0.0.4:8080 down;', '10.0.0.4:8080;').replace('10.0.0.5:8080 down weight=5;', '10.0.0.5:8080 weight=5;').replace('between\n        down;', 'between\n;'),
    );
    // Another upstream with the same address is left alone.
    expect(setDown(SOURCE, 'other', ['10.0.0.1:8080'], true)).toBe(SOURCE);
  });

  it('keeps bytes that are not UTF-8 (text is handled as latin1)', () => {
    const bytes = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\nupstream a { server 1.2.3.4:80; }\n')]);
    const out = Buffer.from(setDown(bytes.toString('latin1'), 'a', ['1.2.3.4:80'], true), 'latin1');
    expect(out.subarray(0, 7)).toEqual(bytes.subarray(0, 7));
    expect(out.toString('latin1')).toContain('server 1.2.3.4:80 down;');
  });

  it('rejects text that is not NGINX configuration, saying where', () => {
    expect(() => findUpstreams('upstream app {\n server 1.2.3.4:80;\n')).toThrow(ConfigSyntaxError);
    expect(() => findUpstreams('hello "world\n')).toThrow(/unterminated double-quoted string starting at line 1/);
    expect(() => findUpstreams('}\n')).toThrow(/unexpected "}" at line 1/);
    expect(() => findUpstreams('server 1.2.3.4 }')).toThrow(/not terminated by ";"/);
  });

  it('reads main-context directives', () => {
    expect(mainDirective('pid /run/x.pid;\nworker_shutdown_timeout 10s;\nhttp { pid nope; }', 'pid')).toBe('/run/x.pid');
    expect(mainDirective('events {}', 'worker_shutdown_timeout')).toBeUndefined();
  });
});

describe('nginx references', () => {
  const parse = (text: string) => parseRef(text, [nginxSyntax]);
  it.each([
    ['nginx:/etc/nginx/conf.d/upstreams.conf/app/10.0.1.12:8080', 'target', '/etc/nginx/conf.d/upstreams.conf/app', '10.0.1.12:8080'],
    ['nginx:/etc/nginx/conf.d/upstreams.conf/app/[2001:db8::1]:8080', 'target', '/etc/nginx/conf.d/upstreams.conf/app', '[2001:db8::1]:8080'],
    ['nginx:/etc/nginx/sites-enabled/default//app/backend.internal', 'target', '/etc/nginx/sites-enabled/default//app', 'backend.internal'],
  ])('%s is a target', (text, kind, group, target) => {
    const ref = parse(text);
    expect(ref).toEqual({ kind, provider: 'nginx', group, target });
    expect(parse(formatRef(ref))).toEqual(ref);
  });

  it.each([
    ['nginx:/etc/nginx/conf.d/upstreams.conf/app', '/etc/nginx/conf.d/upstreams.conf', 'app'],
    ['nginx:/etc/nginx/sites-enabled/default//app', '/etc/nginx/sites-enabled/default', 'app'],
  ])('%s is a whole group', (text, file, upstream) => {
    const ref = parse(text);
    expect(ref.kind).toBe('group');
    expect(parseNginxGroup(ref.group)).toEqual({ file, upstream });
  });

  it.each([
    ['nginx:relative/upstreams.conf/app/10.0.0.1:80', /absolute path/],
    ['nginx:/etc/nginx/upstreams.conf/app/10.0.0.1:80;', /not a server address/],
    ['nginx:/etc/nginx/upstreams.conf/a b/10.0.0.1:80', /not an upstream name/],
  ])('%s is refused', (text, message) => {
    let error: unknown;
    try {
      parse(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DrainctlError);
    expect((error as DrainctlError).kind).toBe('usage');
    expect((error as DrainctlError).message).toMatch(message);
  });
});

describe('nginx process and status helpers', () => {
  it('decodes /proc/net/tcp addresses and normalises IPs', () => {
    expect(decodeProcAddress('0100007F:0BB9')).toEqual({ ip: '127.0.0.1', port: 3001 });
    expect(normaliseIp(decodeProcAddress('0000000000000000FFFF00000100007F:0BB9')!.ip)).toBe('127.0.0.1');
    expect(normaliseIp(decodeProcAddress('00000000000000000000000001000000:0050')!.ip)).toBe(normaliseIp('::1'));
    expect(normaliseIp('2001:DB8::1')).toBe('2001:db8:0:0:0:0:0:1');
  });

  it('parses stub_status', () => {
    expect(parseStubStatus('Active connections: 3 \nserver accepts handled requests\n 5 5 9 \nReading: 0 Writing: 1 Waiting: 2 \n')).toEqual({ active: 3, reading: 0, writing: 1, waiting: 2 });
    expect(parseStubStatus('<html>')).toBeUndefined();
  });
});
