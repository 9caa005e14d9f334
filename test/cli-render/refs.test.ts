import { describe, expect, it } from 'vitest';
import { shortenRef, shortenRefs } from '../../src/cli/render/refs.js';
import { refSyntaxes } from '../../src/providers/registry.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const OTHER_SUB = '00000000-0000-0000-0000-000000000002';
const defaults = { subscription: SUB, project: 'demo-project' };

describe('references in text output leave out the default subscription or project', () => {
  it.each([
    [`azure-agw:${SUB}/demo-rg/demo-agw/web-pool/10.1.0.4`, 'azure-agw:demo-rg/demo-agw/web-pool/10.1.0.4'],
    [`azure-lb:${SUB}/demo-rg/demo-lb/pool`, 'azure-lb:demo-rg/demo-lb/pool'],
    [`azure-lb:${SUB}/demo-rg/demo-lb/pool/vm-1`, 'azure-lb:demo-rg/demo-lb/pool/vm-1'],
    ['gcp-ig:demo-project/us-central1-a/web-ig/web-1', 'gcp-ig:us-central1-a/web-ig/web-1'],
    ['gcp-ig:demo-project/us-central1-a/web-ig', 'gcp-ig:us-central1-a/web-ig'],
    ['gcp-neg:demo-project/us-central1-a/web-neg/10.128.0.21:8080', 'gcp-neg:us-central1-a/web-neg/10.128.0.21:8080'],
    ['gcp-bs:demo-project/global/web-bs/ig:us-central1-a:web-ig', 'gcp-bs:global/web-bs/ig:us-central1-a:web-ig'],
  ])('%s -> %s', (full, short) => {
    expect(shortenRef(full, refSyntaxes, defaults)).toBe(short);
    // The default as the user typed it may be upper-case; the canonical reference is lower-case.
    expect(shortenRef(full, refSyntaxes, { ...defaults, subscription: SUB.toUpperCase() })).toBe(short);
  });

  it.each([
    ['another subscription', `azure-agw:${OTHER_SUB}/demo-rg/demo-agw/web-pool/10.1.0.4`],
    ['another project', 'gcp-ig:other-project/us-central1-a/web-ig/web-1'],
    // Without its subscription this would read as a subscription ID: it must stay written out.
    ['a resource group named like a GUID', `azure-lb:${SUB}/${OTHER_SUB}/demo-lb/pool/vm-1`],
    ['a provider with no such default', 'elbv2:web/i-0a1b2c3d4e5f60001:8080'],
    ['an ELBv2 group that happens to equal the project', 'elbv2:demo-project/i-0a1b2c3d4e5f60001'],
    ['not a reference', 'drainctl: interrupted'],
  ])('keeps %s', (_, text) => {
    expect(shortenRef(text, refSyntaxes, defaults)).toBe(text);
  });

  it('keeps everything when no default is in use', () => {
    const full = `azure-agw:${SUB}/demo-rg/demo-agw/web-pool/10.1.0.4`;
    expect(shortenRef(full, refSyntaxes, {})).toBe(full);
    expect(shortenRefs(`${full}: drained`, refSyntaxes, {})).toBe(`${full}: drained`);
  });

  it('shortens every reference inside a line and leaves the punctuation around them', () => {
    const line = `timed out: azure-agw:${SUB}/rg/agw/pool/10.1.0.4 still draining; keep following with: drainctl watch azure-agw:${SUB}/rg/agw/pool/10.1.0.4 "gcp-ig:demo-project/us-central1-a/web-ig/web-1".`;
    expect(shortenRefs(line, refSyntaxes, defaults)).toBe(
      'timed out: azure-agw:rg/agw/pool/10.1.0.4 still draining; keep following with: drainctl watch azure-agw:rg/agw/pool/10.1.0.4 "gcp-ig:us-central1-a/web-ig/web-1".',
    );
    expect(shortenRefs(`azure-agw:${SUB}/rg/agw/pool/10.1.0.4: active -> draining`, refSyntaxes, defaults)).toBe('azure-agw:rg/agw/pool/10.1.0.4: active -> draining');
  });
});
