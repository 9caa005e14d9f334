import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSeed, startGcpEmulator } from '../../../src/emulators/gcp/index.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('docs/emulators-gcp.md', () => {
  it('shows a seed the emulator accepts', async () => {
    const block = /```json\n([\s\S]*?)\n```/.exec(read('docs/emulators-gcp.md'));
    expect(block, 'a ```json seed example').toBeTruthy();
    const seed = parseSeed(JSON.parse(block![1]!), 'docs/emulators-gcp.md');
    const emulator = await startGcpEmulator({ seed });
    await emulator.stop();
  });
});
