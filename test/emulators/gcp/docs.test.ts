import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSeed, startGcpEmulator } from '../../../src/emulators/gcp/index.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The first ```json block of one `## ` section of docs/emulators.md. */
function sectionJson(doc: string, heading: string): RegExpExecArray | null {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) return null;
  const end = doc.indexOf('\n## ', start + 1);
  return /```json\n([\s\S]*?)\n```/.exec(doc.slice(start, end < 0 ? undefined : end));
}

describe('docs/emulators.md, Google Cloud', () => {
  it('shows a seed the emulator accepts', async () => {
    const block = sectionJson(read('docs/emulators.md'), 'Google Cloud');
    expect(block, 'a ```json seed example').toBeTruthy();
    const seed = parseSeed(JSON.parse(block![1]!), 'docs/emulators.md');
    const emulator = await startGcpEmulator({ seed });
    await emulator.stop();
  });
});
