/**
 * Command files parse options, call and render: latency source selection lives in src/latency/,
 * what only AWS knows (CloudWatch, which protocols mean a Network Load Balancer) in
 * src/providers/aws/, and no command borrows helpers from another command's file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const COMMANDS = join(REPO_ROOT, 'src', 'cli', 'commands');
const files = readdirSync(COMMANDS).filter((f) => f.endsWith('.ts'));
const source = (file: string): string => readFileSync(join(COMMANDS, file), 'utf8');

describe('command files', () => {
  it.each(files)('%s names no load balancer protocol', (file) => {
    expect(source(file)).not.toMatch(/['"](TCP|UDP|TLS|TCP_UDP|GENEVE|QUIC|TCP_QUIC)['"]/);
  });

  it.each(files)('%s reads no CloudWatch client itself', (file) => {
    expect(source(file)).not.toMatch(/AwsGroupInsights|client-cloudwatch|providers\/aws\/cloudwatch/);
  });

  it.each(['recommend.ts', 'audit.ts'])('%s imports nothing from timeout-from.ts', (file) => {
    expect(source(file)).not.toMatch(/from '\.\/timeout-from\.js'/);
  });
});
