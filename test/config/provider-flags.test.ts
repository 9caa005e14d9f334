import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { providerFlags, refuseMisappliedProviderFlags } from '../../src/cli/config/provider-flags.js';
import { buildProgram } from '../../src/cli/program.js';
import { PROVIDERS } from '../../src/providers/registry.js';

const program = buildProgram('0.0.0', async () => {});
const help = (() => {
  let text = '';
  program.configureOutput({ writeOut: (t) => (text += t) });
  program.outputHelp();
  return text;
})();

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}

describe('provider flags come from the descriptors', () => {
  it('every descriptor option is a flag, and program.ts declares none by hand', () => {
    const longs = program.options.map((o) => o.long);
    for (const flag of providerFlags()) expect(longs).toContain(flag.long);
    const source = readFileSync(new URL('../../src/cli/program.ts', import.meta.url), 'utf8');
    for (const flag of providerFlags()) expect(source).not.toMatch(new RegExp(`(option|Option)\\('${flag.long}\\b`));
  });

  it('help lists each under a section titled with its provider, with its choices and default', () => {
    for (const descriptor of PROVIDERS.filter((p) => p.options.length > 0)) {
      const section = help.split(`\n${descriptor.title}:\n`)[1]?.split('\n\n')[0];
      expect(section, `a "${descriptor.title}:" section`).toBeDefined();
      for (const spec of descriptor.options) {
        expect(section).toContain(spec.flag);
        if (spec.defaultValue) expect(section!.replace(/\s+/g, ' ')).toContain(`(default: ${spec.defaultValue})`);
      }
    }
  });

  it("no provider flag collides with another flag of any command (one would silently take the other's value)", () => {
    const providerLongs = new Set(providerFlags().map((f) => f.long));
    for (const command of allCommands(program).slice(1)) {
      for (const option of command.options) expect(providerLongs.has(option.long!), `${command.name()} ${option.long}`).toBe(false);
    }
    expect(providerLongs.size).toBe(providerFlags().length);
  });

  it("the reference table names every provider's title and target example", () => {
    for (const descriptor of PROVIDERS) {
      expect(help).toContain(descriptor.title);
      expect(help).toContain(descriptor.syntax.targetExample);
    }
  });
});

describe('refuseMisappliedProviderFlags', () => {
  it('refuses a flag none of the references uses, naming them', () => {
    expect(() => refuseMisappliedProviderFlags({ mode: 'maint' }, ['elbv2:web/i-0a'])).toThrow('--mode applies only to haproxy references');
    try {
      refuseMisappliedProviderFlags({ mode: 'maint' }, ['elbv2:web/i-0a']);
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe('this command names elbv2:web/i-0a');
    }
    expect(() => refuseMisappliedProviderFlags({ statusUrl: 'http://x' }, [])).toThrow('--status-url applies only to nginx references');
  });

  it('accepts a flag when one of the references uses its provider', () => {
    expect(() => refuseMisappliedProviderFlags({ mode: 'maint', region: 'x' }, ['elbv2:web/i-0a', 'haproxy:/run/h.sock/be/s1'])).not.toThrow();
    expect(() => refuseMisappliedProviderFlags({ reloadCommand: 'true' }, ['nginx:/etc/nginx/up.conf/app'])).not.toThrow();
  });
});
