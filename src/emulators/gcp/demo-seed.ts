/** The seed behind the GCP demo and the documentation's examples. */
import type { GcpSeed } from './seed.js';

/**
 * Project "demo-project": an unmanaged instance group "web-ig" (three VMs, us-central1-a) and a
 * second one "web-ig-b" (two VMs, us-central1-b) behind the global backend service "web-bs"
 * (draining timeout 5 s), so either backend may be drained with capacityScaler 0; a zonal NEG
 * "web-neg" (three endpoints on 8080) behind "neg-bs"; a managed instance group "web-mig" behind "mig-bs"; and
 * an internal passthrough service "web-ilb" in us-central1 using "web-ig-b".
 */
export function demoSeed(): GcpSeed {
  return {
    projects: {
      'demo-project': {
        zones: {
          'us-central1-a': {
            instances: [
              { name: 'web-1', ip: '10.128.0.11' },
              { name: 'web-2', ip: '10.128.0.12' },
              { name: 'web-3', ip: '10.128.0.13' },
              { name: 'app-1', ip: '10.128.0.21' },
              { name: 'app-2', ip: '10.128.0.22' },
              { name: 'app-3', ip: '10.128.0.23' },
              { name: 'web-mig-x1z2', ip: '10.128.0.31' },
              { name: 'web-mig-q8r4', ip: '10.128.0.32' },
            ],
            instanceGroups: [{ name: 'web-ig', namedPorts: [{ name: 'http', port: 8080 }], instances: ['web-1', 'web-2', 'web-3'] }],
            managedInstanceGroups: [{ name: 'web-mig', namedPorts: [{ name: 'http', port: 8080 }], instances: ['web-mig-x1z2', 'web-mig-q8r4'] }],
            networkEndpointGroups: [
              {
                name: 'web-neg',
                networkEndpointType: 'GCE_VM_IP_PORT',
                defaultPort: 8080,
                endpoints: [{ instance: 'app-1' }, { instance: 'app-2' }, { instance: 'app-3' }],
              },
            ],
          },
          'us-central1-b': {
            instances: [
              { name: 'web-4', ip: '10.128.1.11' },
              { name: 'web-5', ip: '10.128.1.12' },
            ],
            instanceGroups: [{ name: 'web-ig-b', namedPorts: [{ name: 'http', port: 8080 }], instances: ['web-4', 'web-5'] }],
          },
        },
        global: {
          backendServices: [
            {
              name: 'web-bs',
              loadBalancingScheme: 'EXTERNAL_MANAGED',
              protocol: 'HTTP',
              drainingTimeoutSec: 5,
              backends: [
                { group: 'zones/us-central1-a/instanceGroups/web-ig', balancingMode: 'UTILIZATION', maxUtilization: 0.8, capacityScaler: 1 },
                { group: 'zones/us-central1-b/instanceGroups/web-ig-b', balancingMode: 'UTILIZATION', maxUtilization: 0.8, capacityScaler: 1 },
              ],
            },
            {
              name: 'mig-bs',
              loadBalancingScheme: 'EXTERNAL_MANAGED',
              protocol: 'HTTP',
              drainingTimeoutSec: 5,
              backends: [{ group: 'zones/us-central1-a/instanceGroups/web-mig', balancingMode: 'UTILIZATION', maxUtilization: 0.8 }],
            },
            {
              name: 'neg-bs',
              loadBalancingScheme: 'EXTERNAL_MANAGED',
              protocol: 'HTTP',
              drainingTimeoutSec: 5,
              backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/web-neg', balancingMode: 'RATE', maxRatePerEndpoint: 100 }],
            },
          ],
        },
        regions: {
          'us-central1': {
            backendServices: [
              { name: 'web-ilb', loadBalancingScheme: 'INTERNAL', protocol: 'TCP', drainingTimeoutSec: 2, backends: [{ group: 'zones/us-central1-b/instanceGroups/web-ig-b', balancingMode: 'CONNECTION' }] },
            ],
          },
        },
      },
    },
  };
}
