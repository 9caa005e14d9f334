import { describe, expect, it } from 'vitest';
import { formatRef, parseRef, type Ref } from '../../../src/core/refs.js';
import { gcpBsSyntax, gcpIgSyntax, gcpNegSyntax } from '../../../src/providers/gcp/syntax.js';

const syntaxes = [gcpIgSyntax, gcpNegSyntax, gcpBsSyntax];
const parse = (text: string, project?: string): Ref => parseRef(text, syntaxes, 'any', project ? { project } : {});
const failure = (text: string, project?: string): string => {
  try {
    parse(text, project);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} parsed`);
};

describe('GCP reference grammar', () => {
  it.each([
    ['gcp-ig:my-project/us-central1-a/web-ig/web-1', { kind: 'target', provider: 'gcp-ig', group: 'my-project/us-central1-a/web-ig', target: 'web-1' }],
    ['gcp-ig:my-project/us-central1-a/web-ig', { kind: 'group', provider: 'gcp-ig', group: 'my-project/us-central1-a/web-ig' }],
    ['gcp-neg:my-project/europe-west4-b/web-neg/10.128.0.21:8080', { kind: 'target', provider: 'gcp-neg', group: 'my-project/europe-west4-b/web-neg', target: '10.128.0.21:8080' }],
    ['gcp-neg:my-project/europe-west4-b/web-neg/10.128.0.21', { kind: 'target', provider: 'gcp-neg', group: 'my-project/europe-west4-b/web-neg', target: '10.128.0.21' }],
    ['gcp-bs:my-project/global/web-bs', { kind: 'group', provider: 'gcp-bs', group: 'my-project/global/web-bs' }],
    ['gcp-bs:my-project/us-central1/internal-bs/ig:us-central1-b:web-ig-b', { kind: 'target', provider: 'gcp-bs', group: 'my-project/us-central1/internal-bs', target: 'ig:us-central1-b:web-ig-b' }],
    ['gcp-bs:my-project/global/web-bs/neg:us-central1-a:web-neg', { kind: 'target', provider: 'gcp-bs', group: 'my-project/global/web-bs', target: 'neg:us-central1-a:web-neg' }],
    ['gcp-ig:example.com:my-project/us-central1-a/web-ig/web-1', { kind: 'target', provider: 'gcp-ig', group: 'example.com:my-project/us-central1-a/web-ig', target: 'web-1' }],
  ])('parses %s and formats it back', (text, ref) => {
    expect(parse(text)).toEqual(ref);
    expect(formatRef(parse(text))).toBe(text);
  });

  it.each([
    ['gcp-ig:us-central1-a/web-ig/web-1', 'gcp-ig:dflt-project/us-central1-a/web-ig/web-1'],
    ['gcp-ig:us-central1-a/web-ig', 'gcp-ig:dflt-project/us-central1-a/web-ig'],
    ['gcp-neg:us-central1-a/web-neg/10.0.0.5:80', 'gcp-neg:dflt-project/us-central1-a/web-neg/10.0.0.5:80'],
    ['gcp-bs:global/web-bs', 'gcp-bs:dflt-project/global/web-bs'],
    ['gcp-bs:us-central1/ilb/ig:us-central1-b:g', 'gcp-bs:dflt-project/us-central1/ilb/ig:us-central1-b:g'],
    ['gcp-ig:other-project/us-central1-a/web-ig', 'gcp-ig:other-project/us-central1-a/web-ig'],
  ])('fills the project from defaults: %s', (text, canonical) => {
    expect(formatRef(parse(text, 'dflt-project'))).toBe(canonical);
    // Canonical references parse to themselves with or without a default.
    expect(formatRef(parse(canonical))).toBe(canonical);
  });

  it.each([
    ['gcp-ig:us-central1-a/web-ig/web-1', undefined, 'the project is missing'],
    ['gcp-ig:us-central1-a/web-ig/web-1', undefined, '--project'],
    ['gcp-ig:us-central1-a/web-ig/web-1', undefined, 'GOOGLE_CLOUD_PROJECT'],
    ['gcp-ig:my-project/us-central1/web-ig/web-1', undefined, '"us-central1" is not a zone'],
    ['gcp-ig:my-project/us-central1-a/Web_IG/web-1', undefined, '"Web_IG" is not a valid instance group name'],
    ['gcp-ig:my-project/us-central1-a/web-ig/Web-1', undefined, '"Web-1" is not a valid instance name'],
    ['gcp-ig:MyProject/us-central1-a/web-ig/web-1', undefined, '"MyProject" is not a valid project ID'],
    ['gcp-ig:web-ig', 'p-123456', 'is not [<project>/]<zone>/<instance group>'],
    ['gcp-ig:a/b/c/d/e', undefined, 'is not [<project>/]<zone>/<instance group>'],
    ['gcp-ig:my-project//web-ig/web-1', undefined, 'has an empty segment'],
    ['gcp-neg:my-project/us-central1-a/web-neg/10.0.0.300:80', undefined, 'is not an endpoint <ip>:<port>'],
    ['gcp-neg:my-project/us-central1-a/web-neg/10.0.0.3:0', undefined, 'invalid port "0"'],
    ['gcp-neg:my-project/us-central1-a/web-neg/vm-1', undefined, 'is not an endpoint'],
    ['gcp-bs:my-project/global/web-bs/web-ig', undefined, 'is not a backend (ig:<zone>:<name> or neg:<zone>:<name>)'],
    ['gcp-bs:my-project/global/web-bs/ig:nowhere:web-ig', undefined, '"nowhere" in "ig:nowhere:web-ig" is not a zone or region'],
    ['gcp-bs:my-project/us-central1-a/web-bs', undefined, '"us-central1-a" is not a region-or-global'],
    ['gcp-ig:my-project/us-central1-a/web-ig/', undefined, 'after the last "/" is empty'],
  ])('rejects %s (project default %s) with a message containing %j', (text, project, message) => {
    const got = failure(text, project);
    expect(got).toContain(message);
    expect(got).toContain(`invalid reference "${text}"`);
  });

  it('tells a zone/ig/instance target from a project/zone/ig group by the zone pattern', () => {
    expect(parse('gcp-ig:us-east1-b/web-ig/web-1', 'dflt-project')).toMatchObject({ kind: 'target', group: 'dflt-project/us-east1-b/web-ig' });
    expect(parse('gcp-ig:my-project/us-east1-b/web-ig', 'dflt-project')).toMatchObject({ kind: 'group', group: 'my-project/us-east1-b/web-ig' });
    expect(parse('gcp-bs:global/web-bs/ig:us-east1-b:g', 'dflt-project')).toMatchObject({ kind: 'target', group: 'dflt-project/global/web-bs' });
  });

  it('lets an endpoint without a port cover every port of that address', () => {
    expect(gcpNegSyntax.covers!('10.0.0.5', '10.0.0.5:8080')).toBe(true);
    expect(gcpNegSyntax.covers!('10.0.0.5:80', '10.0.0.5:8080')).toBe(false);
    expect(gcpNegSyntax.covers!('10.0.0.6', '10.0.0.5:8080')).toBe(false);
  });
});
