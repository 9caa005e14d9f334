// Shared pieces: the drainctl command line, emulator log queries, and timing probes.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const DRAINCTL_BIN = join(REPO, 'bin', 'drainctl');

/** `node bin/drainctl <global options> <args>` against an emulator, with its own ledger file. */
export function drainctlArgs(emulatorUrl, ledgerPath, args) {
  return [DRAINCTL_BIN, '--endpoint-url', emulatorUrl, '--region', 'us-east-1', '--ledger', ledgerPath, ...args];
}

/** `aws --endpoint-url <url> <args>`. */
export function awsArgs(emulatorUrl, args) {
  return ['--endpoint-url', emulatorUrl, ...args];
}

/** Log entries that concern one target group: those naming its name or ARN in any parameter. */
export function entriesFor(emulator, groupName) {
  const arn = emulator.targetGroupArn(groupName);
  return emulator.requestLog.filter((e) => Object.values(e.params).some((v) => v === arn || v === groupName));
}

/** Counts of log entries by action, and how many of them were throttled or otherwise failed. */
export function tally(entries) {
  const byAction = {};
  let throttled = 0;
  let otherErrors = 0;
  for (const e of entries) {
    const row = (byAction[e.action] ??= { calls: 0, ok: 0, throttled: 0, errors: 0 });
    row.calls += 1;
    if (e.status === 200) row.ok += 1;
    else if (e.errorCode === 'Throttling') {
      row.throttled += 1;
      throttled += 1;
    } else {
      row.errors += 1;
      otherErrors += 1;
    }
  }
  return { total: entries.length, throttled, otherErrors, byAction };
}

/**
 * Polls emulator.drainingEndsAt every few ms until it reports a time, so the moment the drain will
 * end is read right after the deregistration happened. stop() returns that time (or undefined).
 */
export function watchDrainEnd(emulator, groupName, targetId, port, everyMs = 10) {
  let endsAt;
  const timer = setInterval(() => {
    const t = emulator.drainingEndsAt(groupName, targetId, port);
    if (t === undefined) return;
    endsAt = t;
    clearInterval(timer);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return endsAt;
    },
  };
}

/** The drain end from the log: the group's first successful DeregisterTargets arrival plus the delay. */
export function drainEndFromLog(emulator, groupName, delaySeconds) {
  const dereg = entriesFor(emulator, groupName).find((e) => e.action === 'DeregisterTargets' && e.status === 200);
  return dereg === undefined ? undefined : dereg.at + delaySeconds * 1000;
}

/** A stable instance id from two small numbers (17 hex digits). */
export function instanceId(group, index) {
  return `i-0${(group * 256 + index).toString(16).padStart(16, '0')}`;
}

/** An emulator seed of one instance target group on port 80, its targets healthy, a deregistration ending at once. */
export function oneGroupSeed(name, ids) {
  return {
    region: 'us-east-1',
    targetGroups: [{ name, protocol: 'HTTP', port: 80, targetType: 'instance', attributes: { 'deregistration_delay.timeout_seconds': '0' }, targets: ids.map((id) => ({ id, health: 'healthy' })) }],
  };
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picked it; the listener is closed again). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Parses drainctl's `-o json` document, or undefined. */
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
