import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/ledger/index.js';
import { buildLedgerForNode, useTempDirs } from './helpers.js';

const PER_WRITER = 200;
const at = (i: number): string => new Date(Date.UTC(2025, 0, 1) + i).toISOString();

// Both writers hit the same four targets so the upserts contend on the same rows.
const WRITER = `
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteLedger } from './ledger/index.js';
const { file, writer, count, gate } = workerData;
Atomics.wait(new Int32Array(gate), 0, 0);
const ledger = openSqliteLedger(file);
try {
  for (let i = 0; i < count; i++) {
    await ledger.record(
      { provider: 'test', group: 'g', target: 't' + (i % 4) },
      { status: 'draining', inFlight: i },
      { type: 'state_changed', at: new Date(Date.UTC(2025, 0, 1) + i).toISOString(), details: { writer, i } },
    );
  }
} finally {
  await ledger.close();
}
parentPort.postMessage('done');
`;

// Holds the write lock for a while, so the main thread's write must wait for it.
const HOLDER = `
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
const db = new Database(workerData.file);
db.exec('BEGIN IMMEDIATE');
parentPort.postMessage('locked');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
db.exec('COMMIT');
await db.close();
parentPort.postMessage('done');
`;

function runWorker(script: string, workerData: unknown, onMessage?: (m: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData });
    worker.on('message', (m) => (m === 'done' ? resolve() : onMessage?.(m)));
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
  });
}

function countEvents(file: string): { events: number; instances: number; perWriter: unknown[] } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      events: db.prepare('SELECT count(*) FROM drain_event').pluck().get() as number,
      instances: db.prepare('SELECT count(*) FROM instance').pluck().get() as number,
      perWriter: db.prepare("SELECT json_extract(details, '$.writer') AS w, count(*) AS n FROM drain_event GROUP BY w ORDER BY w").all(),
    };
  } finally {
    db.close();
  }
}

describe('concurrent writers on one ledger file', () => {
  const tempDir = useTempDirs();

  it('two ledgers in one process interleaving 200 records each keep all 400 events', async () => {
    const file = path.join(tempDir(), 'ledger.db');
    const a = openSqliteLedger(file);
    const b = openSqliteLedger(file);
    try {
      for (let i = 0; i < PER_WRITER; i++) {
        for (const [writer, ledger] of [[0, a], [1, b]] as const) {
          await ledger.record({ provider: 'test', group: 'g', target: `t${i % 4}` }, { inFlight: i }, { type: 'state_changed', at: at(i), details: { writer, i } });
        }
        // Each connection sees the other's last write, not a stale snapshot.
        expect((await a.find({ provider: 'test', group: 'g', target: `t${i % 4}` }))?.inFlight).toBe(i);
      }
      expect(await a.history({ limit: 1000 })).toHaveLength(2 * PER_WRITER);
      expect(await b.history({ limit: 1000 })).toHaveLength(2 * PER_WRITER);
    } finally {
      a.close();
      b.close();
    }
    expect(countEvents(file)).toEqual({ events: 400, instances: 4, perWriter: [{ w: 0, n: 200 }, { w: 1, n: 200 }] });
  });

  it('two worker threads racing from a fresh file end with 400 events and no SQLITE_BUSY', async () => {
    const dir = tempDir();
    const build = buildLedgerForNode(dir);
    const script = path.join(build, 'writer.mjs');
    fs.writeFileSync(script, WRITER);
    const file = path.join(dir, 'shared', 'ledger.db');
    const gate = new SharedArrayBuffer(4);
    const done = [0, 1].map((writer) => runWorker(script, { file, writer, count: PER_WRITER, gate }));
    // Released together so they also race through directory creation and migration.
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await Promise.all(done);
    expect(countEvents(file)).toEqual({ events: 400, instances: 4, perWriter: [{ w: 0, n: 200 }, { w: 1, n: 200 }] });
  });

  it('a write waits out another process holding the lock instead of failing', async () => {
    const dir = tempDir();
    const build = buildLedgerForNode(dir);
    const script = path.join(build, 'holder.mjs');
    fs.writeFileSync(script, HOLDER);
    const file = path.join(dir, 'ledger.db');
    const ledger = openSqliteLedger(file);
    try {
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const done = runWorker(script, { file, holdMs: 300 }, (m) => m === 'locked' && locked());
      await isLocked;
      const started = Date.now();
      await ledger.record({ provider: 'test', group: 'g', target: 't' }, {}, { type: 'drain_requested', at: at(0) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await done;
      expect((await ledger.history())).toHaveLength(1);
    } finally {
      await ledger.close();
    }
  });
});
