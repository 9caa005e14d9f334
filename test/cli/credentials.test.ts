/**
 * Credentials from profile files: a profile that does not exist is named as such (exit 2, no SDK
 * warning on screen), and credential values read from a profile file never reach stdout, stderr or
 * the ledger, even when an endpoint echoes every request header back in its error and --debug is on.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/cli/redact.js';
import { freshLedgerPath, nonEmptyLines, runCli, scratchDir } from '../support/cli.js';
import { cleanupAfterAll, ID, ndjsonRecords, withEmulator } from './helpers.js';

cleanupAfterAll();

const W1 = `elbv2:web/${ID.web1}`;
const FILE_KEY_ID = 'AKIACANARYFILE000001';
const FILE_SECRET = 'canary-file-secret-9x8y7z/+w';
const FILE_TOKEN = 'canary-file-session-token-4q3r/FwoGZXIvYXdz==';

/** A config and a credentials file in a fresh directory: profiles default, prod and canary. */
function sharedFiles(): Record<string, string> {
  const dir = scratchDir('drainctl-aws-files-');
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  writeFileSync(config, '[default]\nregion = us-east-1\n\n[profile prod]\nregion = us-east-1\n\n[profile canary]\nregion = us-east-1\n');
  writeFileSync(
    credentials,
    [
      '[default]', 'aws_access_key_id = AKIADEFAULT000000001', 'aws_secret_access_key = default-secret-0000', '',
      '[prod]', 'aws_access_key_id = AKIAPROD000000000001', 'aws_secret_access_key = prod-secret-00000000', '',
      '[canary]', `aws_access_key_id = ${FILE_KEY_ID}`, `aws_secret_access_key = ${FILE_SECRET}`, `aws_session_token = ${FILE_TOKEN}`, '',
    ].join('\n'),
  );
  return { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
}

/** Static keys in the environment next to a profile: what makes the SDK print its 8-line warning. */
const ENV_KEYS = { AWS_ACCESS_KEY_ID: 'AKIAENVKEY0000000001', AWS_SECRET_ACCESS_KEY: 'env-secret-key-000000' };

describe('a profile that does not exist', () => {
  for (const [how, args, env, source] of [
    ['--profile nope', ['--profile', 'nope'], {}, '--profile'],
    ['AWS_PROFILE=nope', [], { AWS_PROFILE: 'nope' }, 'AWS_PROFILE'],
  ] as const) {
    it.concurrent(`${how}: exit 2 naming the profile, no SDK warning, no call`, async ({ expect }) => {
      await withEmulator({}, async (emulator) => {
        const result = await runCli(['--endpoint-url', emulator.url, '--region', 'us-east-1', ...args, 'status', 'elbv2:web'], { env: { ...sharedFiles(), ...ENV_KEYS, ...env } });
        const context = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
        expect(result.code, context).toBe(2);
        const lines = nonEmptyLines(result.stderr);
        expect(lines, context).toHaveLength(1);
        expect(lines[0], context).toMatch(
          new RegExp(`^drainctl: the config profile \\(nope\\) could not be found in \\S+config or \\S+credentials; profiles found: canary, default, prod; fix ${source}, or add it with: aws configure --profile nope$`),
        );
        expect(result.stdout, context).toBe('');
        expect(emulator.requestLog, context).toEqual([]);
      });
    });
  }

  it.concurrent('an existing profile next to static keys in the environment: the SDK warning only with --debug', async ({ expect }) => {
    await withEmulator({}, async (emulator) => {
      const env = { ...sharedFiles(), ...ENV_KEYS };
      const base = ['--endpoint-url', emulator.url, '--region', 'us-east-1', '--profile', 'prod', 'status', 'elbv2:web'];
      const quiet = await runCli(base, { env });
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stderr).toBe('');
      const debug = await runCli(['--debug', ...base], { env });
      expect(debug.code, debug.stderr).toBe(0);
      const warning = nonEmptyLines(debug.stderr).filter((l) => /Multiple credential sources/.test(l));
      expect(warning, debug.stderr).toEqual([expect.stringMatching(/^debug: aws sdk warning: @aws-sdk\/credential-provider-node .*Multiple credential sources detected/)]);
    });
  });
});

/** What the echoing endpoint saw of the credentials, to prove the profile's values were really sent. */
interface Seen {
  authorization: string[];
  tokens: string[];
}

/**
 * An endpoint in front of the emulator that answers every DeregisterTargets with an error whose
 * message echoes all request headers (as JSON and as header lines), and passes everything else on.
 */
async function startEchoingEndpoint(upstream: string, seen: Seen): Promise<{ url: string; server: Server }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (typeof req.headers.authorization === 'string') seen.authorization.push(req.headers.authorization);
      if (typeof req.headers['x-amz-security-token'] === 'string') seen.tokens.push(req.headers['x-amz-security-token']);
      if (!body.toString('utf8').includes('Action=DeregisterTargets')) {
        const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        forward.on('error', () => res.destroy());
        forward.end(body);
        return;
      }
      const echoed = `request headers ${JSON.stringify(req.headers)}\n${headerLines(req.headers)}`;
      const xml = `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${escapeXml(echoed)}</Message></Error><RequestId>echo-1</RequestId></ErrorResponse>`;
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function headerLines(headers: IncomingHttpHeaders): string {
  return Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}`).join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Every text column of every row of the ledger's tables. */
function ledgerRows(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
  } finally {
    db.close();
  }
}

describe('credentials read from a profile file', () => {
  for (const format of ['text', 'json', 'ndjson'] as const) {
    it.concurrent(`never appear in -o ${format} output or the ledger when an endpoint echoes the request headers`, async ({ expect }) => {
      await withEmulator({}, async (emulator) => {
        const seen: Seen = { authorization: [], tokens: [] };
        const echo = await startEchoingEndpoint(emulator.url, seen);
        try {
          const ledger = freshLedgerPath();
          // --profile is the documented way to send real credentials over plain http (docs/providers/aws.md).
          const args = ['--endpoint-url', echo.url, '--region', 'us-east-1', '--profile', 'canary', '--debug', '-o', format, 'drain', W1];
          const result = await runCli(args, { env: { ...sharedFiles(), DRAINCTL_LEDGER: ledger } });
          const context = `drainctl ${args.join(' ')}\nexit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;

          // The profile's values were really sent, and the endpoint really echoed them.
          expect(seen.authorization.some((a) => a.includes(`Credential=${FILE_KEY_ID}/`)), context).toBe(true);
          expect(seen.tokens, context).toContain(FILE_TOKEN);
          expect(result.code, context).toBe(1);
          const output = `${result.stdout}\n${result.stderr}`;
          expect(output, context).toMatch(/x-amz-date/i); // the echo reached the output, masked
          if (format === 'ndjson') expect(ndjsonRecords(result.stdout).some((r) => r['@level'] === 'debug'), context).toBe(true);

          const rows = ledgerRows(ledger);
          expect(rows, rows).toMatch(/"event_type":"failed"/);
          expect(rows, rows).toMatch(/x-amz-date/i);

          const canaries = [FILE_KEY_ID, FILE_SECRET, FILE_TOKEN, encodeURIComponent(FILE_TOKEN), ...seen.authorization, ...seen.authorization.map((a) => a.split('Signature=')[1]!)];
          for (const canary of canaries) {
            expect(result.stdout.includes(canary), `stdout carries ${canary}\n${context}`).toBe(false);
            expect(result.stderr.includes(canary), `stderr carries ${canary}\n${context}`).toBe(false);
            expect(rows.includes(canary), `a ledger row carries ${canary}\n${rows}`).toBe(false);
          }
          const dir = dirname(ledger);
          for (const file of readdirSync(dir).filter((f) => f.startsWith('ledger.db'))) {
            const bytes = readFileSync(join(dir, file));
            for (const canary of [FILE_KEY_ID, FILE_SECRET, FILE_TOKEN]) expect(bytes.includes(Buffer.from(canary, 'utf8')), `${file} carries ${canary}`).toBe(false);
          }
          // Nothing was changed: the only mutating call was answered with the echo, not passed on.
          expect(emulator.mutatingCalls(), context).toEqual([]);
        } finally {
          await new Promise<void>((resolve) => echo.server.close(() => resolve()));
        }
      });
    });
  }
});

describe('the redactor', () => {
  it('masks values registered at run time, in their URL- and JSON-escaped forms too', () => {
    const redact = createRedactor({});
    expect(redact(`token ${FILE_TOKEN}`)).toBe(`token ${FILE_TOKEN}`);
    redact.add(FILE_TOKEN);
    redact.add('abc'); // too short to mask without blanking ordinary words
    expect(redact(`token ${FILE_TOKEN} / ${encodeURIComponent(FILE_TOKEN)} abc`)).toBe('token *** / *** abc');
  });

  it.each([
    ['a header line', 'authorization: AWS4-HMAC-SHA256 Credential=K/x, Signature=ab12\nnext', 'authorization: ***\nnext'],
    ['JSON', '{"Authorization":"Bearer eyJ.x.y","other":"v"}', '{"Authorization":"***","other":"v"}'],
    ['JSON inside JSON text', '{\\"x-amz-security-token\\":\\"FwoG//z\\"}', '{\\"x-amz-security-token\\":\\"***\\"}'],
    ['a header line inside JSON text', '"a\\nauthorization: AWS4 Signature=ab\\nb"', '"a\\nauthorization: ***\\nb"'],
    ['XML', '<Authorization>AWS4 Signature=ab</Authorization>', '<Authorization>***</Authorization>'],
    ['a query string', '?X-Amz-Security-Token=FwoG%2Fz&X-Amz-Date=1', '?X-Amz-Security-Token=***&X-Amz-Date=1'],
  ])('masks Authorization and X-Amz-Security-Token values in %s', (_what, text, masked) => {
    expect(createRedactor({})(text)).toBe(masked);
  });

  it('leaves ordinary words alone', () => {
    const text = 'AuthorizationFailed: the client does not have authorization to perform action; path /home/x/.aws/credentials';
    expect(createRedactor({ AWS_SHARED_CREDENTIALS_FILE: '/home/x/.aws/credentials' })(text)).toBe(text);
  });
});
