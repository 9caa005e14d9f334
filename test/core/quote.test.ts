import { describe, expect, it } from 'vitest';
import { DrainctlError } from '../../src/core/errors.js';
import { printable, quote } from '../../src/core/quote.js';
import { parseRef } from '../../src/core/refs.js';
import { refSyntaxes } from '../../src/providers/registry.js';

/** Any character that acts on a terminal or reorders text. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('quoting untrusted text for one-line messages', () => {
  it('leaves ordinary text as it is', () => {
    expect(printable('/etc/nginx/conf.d/upstreams.conf')).toBe('/etc/nginx/conf.d/upstreams.conf');
    expect(quote('be_app')).toBe('"be_app"');
  });

  it('escapes every control character, by name where it has one', () => {
    expect(printable('a\nb\rc\td\u001b[31me\u0007f\u007fg\u009bh\u0000')).toBe('a\\nb\\rc\\td\\e[31me\\x07f\\x7fg\\x9bh\\x00');
    expect(printable('abc\u202edcba\u2028x')).toBe('abc\\u202edcba\\u2028x');
  });

  it('escapes quotes and backslashes inside quote(), so the quoted text cannot end early', () => {
    expect(quote('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
  });

  it('bounds the length, marking the cut', () => {
    expect(printable('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(quote('x'.repeat(5000))).toHaveLength(200 + 3);
  });

  it('is used for references: no control character of a reference reaches a parse error', () => {
    for (const text of ['web\u001b[2J/x', 'nginx:/etc/x.conf/ap\u001b]0;t\u0007p/1.2.3.4:80', 'haproxy:127.0.0.1:9/b\r\nx/y', 'alb\u001b[31m:web/i-0a']) {
      let caught: unknown;
      try {
        parseRef(text, refSyntaxes);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DrainctlError);
      expect((caught as DrainctlError).kind).toBe('usage');
      expect((caught as DrainctlError).message, text).not.toMatch(UNSAFE);
    }
  });
});
