import { describe, expect, it } from 'vitest';
import { defaultLedgerPath } from '../../src/ledger/index.js';

describe('defaultLedgerPath', () => {
  it.each<[string, NodeJS.ProcessEnv, NodeJS.Platform, string, string]>([
    ['DRAINCTL_LEDGER wins over everything', { DRAINCTL_LEDGER: '/srv/ledger.db', XDG_STATE_HOME: '/xdg' }, 'linux', '/home/op', '/srv/ledger.db'],
    ['DRAINCTL_LEDGER on Windows', { DRAINCTL_LEDGER: 'D:\\l.db', LOCALAPPDATA: 'C:\\L' }, 'win32', 'C:\\Users\\op', 'D:\\l.db'],
    ['XDG_STATE_HOME on Linux', { XDG_STATE_HOME: '/xdg/state' }, 'linux', '/home/op', '/xdg/state/drainctl/ledger.db'],
    ['XDG_STATE_HOME also on macOS', { XDG_STATE_HOME: '/xdg/state' }, 'darwin', '/Users/op', '/xdg/state/drainctl/ledger.db'],
    ['relative XDG_STATE_HOME is ignored (XDG spec)', { XDG_STATE_HOME: 'state' }, 'linux', '/home/op', '/home/op/.local/state/drainctl/ledger.db'],
    ['empty DRAINCTL_LEDGER is ignored', { DRAINCTL_LEDGER: '' }, 'linux', '/home/op', '/home/op/.local/state/drainctl/ledger.db'],
    ['Linux fallback', {}, 'linux', '/home/op', '/home/op/.local/state/drainctl/ledger.db'],
    ['FreeBSD fallback', {}, 'freebsd', '/home/op', '/home/op/.local/state/drainctl/ledger.db'],
    ['macOS fallback', {}, 'darwin', '/Users/op', '/Users/op/Library/Application Support/drainctl/ledger.db'],
    ['Windows LOCALAPPDATA', { LOCALAPPDATA: 'C:\\Users\\op\\AppData\\Local' }, 'win32', 'C:\\Users\\op', 'C:\\Users\\op\\AppData\\Local\\drainctl\\ledger.db'],
    ['Windows without LOCALAPPDATA', {}, 'win32', 'C:\\Users\\op', 'C:\\Users\\op\\AppData\\Local\\drainctl\\ledger.db'],
  ])('%s', (_name, env, platform, home, expected) => {
    expect(defaultLedgerPath(env, platform, home)).toBe(expected);
  });

  it('defaults to the real environment', () => {
    const saved = process.env.DRAINCTL_LEDGER;
    process.env.DRAINCTL_LEDGER = '/from/env.db';
    try {
      expect(defaultLedgerPath()).toBe('/from/env.db');
    } finally {
      if (saved === undefined) delete process.env.DRAINCTL_LEDGER;
      else process.env.DRAINCTL_LEDGER = saved;
    }
  });
});
