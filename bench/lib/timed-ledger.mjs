// A Ledger wrapper that adds up the time spent in each of its calls, so a drain's ledger work can
// be told apart from its provider calls. Wraps the port (src/core/ledger.ts), changes nothing.

/** Nanosecond clock in ms. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Wraps `ledger`; `take()` returns (and resets) the ms spent per call since the last take, plus
 * how long the capacity lock was held (from tryLockGroup answering to release finishing).
 */
export function timedLedger(ledger) {
  let spent = {};
  const add = (name, ms) => (spent[name] = (spent[name] ?? 0) + ms);
  const time = async (name, call) => {
    const t0 = nowMs();
    try {
      return await call();
    } finally {
      add(name, nowMs() - t0);
    }
  };
  const wrapped = Object.create(ledger);
  for (const name of ['record', 'find', 'instances', 'history', 'fleet', 'renewLeases']) {
    wrapped[name] = (...args) => time(name, () => ledger[name](...args));
  }
  wrapped.tryLockGroup = async (...args) => {
    const lock = await time('tryLockGroup', () => ledger.tryLockGroup(...args));
    if (typeof lock.release !== 'function') return lock;
    const heldFrom = nowMs();
    return {
      release: async () => {
        await time('release', () => lock.release());
        add('lockHeld', nowMs() - heldFrom);
      },
    };
  };
  wrapped.close = () => ledger.close();
  return {
    ledger: wrapped,
    take() {
      const out = spent;
      spent = {};
      return out;
    },
  };
}
