import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError, openSqliteLedger, type LedgerAccess } from '../../src/ledger/index.js';
import { damagePage, useTempDirs } from './helpers.js';

const at = (i: number): string => new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();

/** A ledger as drains leave it: a few targets, each with several events. */
async function writeLedger(file: string): Promise<void> {
  const ledger = openSqliteLedger(file);
  try {
    for (let i = 0; i < 24; i++) {
      const target = `i-0a1b2c3d4e5f6000${i % 6}:8080`;
      await ledger.record({ provider: 'elbv2', group: 'web', target }, { status: 'draining', registration: { id: target.split(':')[0], port: 8080, availabilityZone: 'us-east-1a' } },
        { type: 'state_changed', at: at(i), details: { from: 'active', to: 'draining', raw: { state: 'draining', reason: 'Target.DeregistrationInProgress' } } });
    }
  } finally {
    await ledger.close();
  }
}

function openError(file: string, access: LedgerAccess): LedgerError {
  try {
    openSqliteLedger(file, { access }).close();
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return error as LedgerError;
  }
  throw new Error(`expected opening ${file} for ${access} to fail`);
}

describe('a damaged ledger', () => {
  const tempDir = useTempDirs();

  // Each b-tree the schema has, including the schema table itself on page 1.
  const btrees = ['sqlite_schema', 'instance', 'sqlite_autoindex_instance_1', 'drain_event', 'drain_event_instance_at', 'drain_event_at'];

  for (const btree of btrees) {
    for (const access of ['read', 'write'] as const) {
      it(`is refused for ${access} when a page of ${btree} is damaged, and left as it is`, async () => {
        const file = path.join(tempDir(), 'ledger.db');
        await writeLedger(file);
        damagePage(file, btree);
        const damaged = fs.readFileSync(file);
        const error = openError(file, access);
        expect(error.problem).toBe('damaged');
        expect(error.path).toBe(file);
        expect(error.message).toMatch(/^the ledger \S+ is damaged \((database disk image is malformed|malformed database schema)[^;]*\); move it aside \(mv \S+ \S+\) and drainctl starts a new one$/);
        expect(error.message).toContain(`(mv ${file} ${file}.damaged)`);
        expect(fs.readFileSync(file).equals(damaged)).toBe(true);
      });
    }
  }

  it('names the log files that must move with it', async () => {
    const file = path.join(tempDir(), 'ledger.db');
    await writeLedger(file);
    damagePage(file, 'instance');
    fs.writeFileSync(`${file}-wal`, '');
    fs.writeFileSync(`${file}-shm`, '');
    expect(openError(file, 'read').message).toContain(`(mv ${file} ${file}.damaged; mv ${file}-wal ${file}.damaged-wal; mv ${file}-shm ${file}.damaged-shm)`);
  });

  it('quotes a path the shell would split', async () => {
    const file = path.join(tempDir(), "state dir's", 'ledger.db');
    fs.mkdirSync(path.dirname(file));
    await writeLedger(file);
    damagePage(file, 'instance');
    const quoted = `'${file.replace(/'/g, `'\\''`)}'`;
    expect(openError(file, 'read').message).toContain(`(mv ${quoted} ${quoted.slice(0, -1)}.damaged')`);
  });
});
