import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverConfigFiles, userConfigPath } from '../../src/cli/config/discover.js';
import { tree } from './helpers.js';

describe('discoverConfigFiles', () => {
  it('finds the nearest drainctl.yaml upward, then the user file', () => {
    const root = tree({ 'repo/drainctl.yaml': 'region: a\n', 'repo/deep/er/.keep': '', 'home/.config/drainctl/drainctl.yaml': 'region: b\n' });
    const found = discoverConfigFiles({ cwd: join(root, 'repo/deep/er'), env: { HOME: join(root, 'home') } });
    expect(found).toEqual([
      { path: join(root, 'repo/drainctl.yaml'), origin: 'project' },
      { path: join(root, 'home/.config/drainctl/drainctl.yaml'), origin: 'user' },
    ]);
  });

  it('prefers the nearer of two project files', () => {
    const root = tree({ 'drainctl.yaml': '', 'sub/drainctl.yaml': '' });
    expect(discoverConfigFiles({ cwd: join(root, 'sub'), env: {} })).toEqual([{ path: join(root, 'sub/drainctl.yaml'), origin: 'project' }]);
  });

  it('reads the user file from an absolute XDG_CONFIG_HOME, and ignores a relative one', () => {
    const root = tree({ 'xdg/drainctl/drainctl.yaml': '', 'home/.config/drainctl/drainctl.yaml': '', 'cwd/.keep': '' });
    const cwd = join(root, 'cwd');
    expect(discoverConfigFiles({ cwd, env: { XDG_CONFIG_HOME: join(root, 'xdg'), HOME: join(root, 'home') } })).toEqual([{ path: join(root, 'xdg/drainctl/drainctl.yaml'), origin: 'user' }]);
    expect(userConfigPath({ XDG_CONFIG_HOME: 'relative', HOME: join(root, 'home') })).toBe(join(root, 'home/.config/drainctl/drainctl.yaml'));
    expect(userConfigPath({})).toBeUndefined();
  });

  it('skips a directory named drainctl.yaml, and reads a user file once when the project search finds it', () => {
    const root = tree({ 'home/.config/drainctl/drainctl.yaml': '' });
    mkdirSync(join(root, 'home/checkout/drainctl.yaml'), { recursive: true });
    const userDir = join(root, 'home/.config/drainctl');
    expect(discoverConfigFiles({ cwd: join(root, 'home/checkout'), env: { HOME: join(root, 'home') } })).toEqual([{ path: join(userDir, 'drainctl.yaml'), origin: 'user' }]);
    expect(discoverConfigFiles({ cwd: userDir, env: { HOME: join(root, 'home') } })).toEqual([{ path: join(userDir, 'drainctl.yaml'), origin: 'project' }]);
  });

  it('reads only the file --config names (relative to the current directory), then DRAINCTL_CONFIG', () => {
    const root = tree({ 'drainctl.yaml': '', 'ci/a.yaml': '', 'ci/b.yaml': '', 'home/.config/drainctl/drainctl.yaml': '' });
    const env = { HOME: join(root, 'home'), DRAINCTL_CONFIG: join(root, 'ci/b.yaml') };
    expect(discoverConfigFiles({ cwd: root, env, explicit: 'ci/a.yaml' })).toEqual([{ path: join(root, 'ci/a.yaml'), origin: 'flag' }]);
    expect(discoverConfigFiles({ cwd: root, env })).toEqual([{ path: join(root, 'ci/b.yaml'), origin: 'env' }]);
  });

  it('refuses a named file that does not exist, naming where it was named', () => {
    const root = tree();
    expect(() => discoverConfigFiles({ cwd: root, env: {}, explicit: 'nope.yaml' })).toThrow(/configuration file ".*nope\.yaml" \(from --config\) does not exist/);
    expect(() => discoverConfigFiles({ cwd: root, env: { DRAINCTL_CONFIG: join(root, 'gone.yaml') } })).toThrow(/\(from DRAINCTL_CONFIG\)/);
  });
});
