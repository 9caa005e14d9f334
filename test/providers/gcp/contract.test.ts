import { startGcpEmulator } from '../../../src/emulators/gcp/index.js';
import { providerContract } from '../contract.js';
import { PROJECT, contractSeed, createProvider, emulatorOptions, group, target } from './helpers.js';

const IG = `${PROJECT}/us-central1-a/web-ig`;
const NEG = `${PROJECT}/us-central1-a/web-neg`;
const BS = `${PROJECT}/global/web-bs`;

providerContract('gcp-ig on the built-in emulator', async () => {
  const emulator = await startGcpEmulator({ seed: contractSeed(1), healthyAfterMs: 200, operationDelayMs: 100 });
  const options = emulatorOptions(emulator);
  return {
    provider: await createProvider('gcp-ig', options),
    group: group('gcp-ig', IG),
    timeoutSeconds: 1,
    borrowedTimeout: "an instance group's drain timeout is its backend services' (set with gcp-bs)",
    missingTarget: target('gcp-ig', IG, 'vm-9'),
    missingGroup: group('gcp-ig', `${PROJECT}/us-central1-a/nope`),
    drainBoundMs: 10_000,
    close: () => emulator.stop(),
  };
});

providerContract('gcp-neg on the built-in emulator', async () => {
  const emulator = await startGcpEmulator({ seed: contractSeed(1), healthyAfterMs: 200, operationDelayMs: 100 });
  const options = emulatorOptions(emulator);
  return {
    provider: await createProvider('gcp-neg', options),
    group: group('gcp-neg', NEG),
    timeoutSeconds: 1,
    borrowedTimeout: "a NEG's drain timeout is its backend services' (set with gcp-bs)",
    missingTarget: target('gcp-neg', NEG, '10.9.9.9:8080'),
    missingGroup: group('gcp-neg', `${PROJECT}/us-central1-a/nope`),
    drainBoundMs: 10_000,
    close: () => emulator.stop(),
  };
});

providerContract('gcp-bs (whole backends, capacityScaler) on the built-in emulator', async () => {
  const emulator = await startGcpEmulator({ seed: contractSeed(1), healthyAfterMs: 200, operationDelayMs: 100 });
  return {
    provider: await createProvider('gcp-bs', emulatorOptions(emulator)),
    group: group('gcp-bs', BS),
    timeoutSeconds: 1,
    missingTarget: target('gcp-bs', BS, 'ig:us-central1-f:other-ig'),
    missingGroup: group('gcp-bs', `${PROJECT}/global/nope`),
    drainBoundMs: 10_000,
    close: () => emulator.stop(),
  };
});
