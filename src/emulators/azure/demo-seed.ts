/** The seed behind the Azure demo and the documentation's examples, built in code. */
import type { Json } from './model.js';
import type { AzureSeed } from './seed.js';

export const DEMO_SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';
export const DEMO_RESOURCE_GROUP = 'demo-rg';

const rg = `/subscriptions/${DEMO_SUBSCRIPTION}/resourceGroups/${DEMO_RESOURCE_GROUP}/providers/Microsoft.Network`;
const vnet = `${rg}/virtualNetworks/demo-vnet`;

function demoGateway(): Json {
  const id = `${rg}/applicationGateways/demo-agw`;
  const ref = (kind: string, name: string) => ({ id: `${id}/${kind}/${name}` });
  return {
    id,
    name: 'demo-agw',
    type: 'Microsoft.Network/applicationGateways',
    location: 'westus',
    properties: {
      provisioningState: 'Succeeded',
      operationalState: 'Running',
      sku: { name: 'Standard_v2', tier: 'Standard_v2', capacity: 2 },
      gatewayIPConfigurations: [{ name: 'gwipc', id: `${id}/gatewayIPConfigurations/gwipc`, properties: { subnet: { id: `${vnet}/subnets/agw-subnet` } } }],
      frontendIPConfigurations: [{ name: 'fip', id: `${id}/frontendIPConfigurations/fip`, properties: { publicIPAddress: { id: `${rg}/publicIPAddresses/demo-agw-pip` } } }],
      frontendPorts: [{ name: 'port80', id: `${id}/frontendPorts/port80`, properties: { port: 80 } }],
      backendAddressPools: [
        { name: 'web-pool', id: `${id}/backendAddressPools/web-pool`, properties: { backendAddresses: [{ ipAddress: '10.1.0.4' }, { ipAddress: '10.1.0.5' }, { ipAddress: '10.1.0.6' }] } },
        { name: 'api-pool', id: `${id}/backendAddressPools/api-pool`, properties: { backendAddresses: [{ fqdn: 'api-1.demo.internal' }, { fqdn: 'api-2.demo.internal' }] } },
      ],
      backendHttpSettingsCollection: [
        { name: 'web-http', id: `${id}/backendHttpSettingsCollection/web-http`, properties: { port: 80, protocol: 'Http', cookieBasedAffinity: 'Disabled', requestTimeout: 30, connectionDraining: { enabled: true, drainTimeoutInSec: 5 } } },
        { name: 'api-http', id: `${id}/backendHttpSettingsCollection/api-http`, properties: { port: 8080, protocol: 'Http', cookieBasedAffinity: 'Disabled', requestTimeout: 30, connectionDraining: { enabled: true, drainTimeoutInSec: 5 } } },
      ],
      httpListeners: [{ name: 'listener80', id: `${id}/httpListeners/listener80`, properties: { frontendIPConfiguration: ref('frontendIPConfigurations', 'fip'), frontendPort: ref('frontendPorts', 'port80'), protocol: 'Http' } }],
      urlPathMaps: [
        {
          name: 'paths',
          id: `${id}/urlPathMaps/paths`,
          properties: {
            defaultBackendAddressPool: ref('backendAddressPools', 'web-pool'),
            defaultBackendHttpSettings: ref('backendHttpSettingsCollection', 'web-http'),
            pathRules: [{ name: 'api', id: `${id}/urlPathMaps/paths/pathRules/api`, properties: { paths: ['/api/*'], backendAddressPool: ref('backendAddressPools', 'api-pool'), backendHttpSettings: ref('backendHttpSettingsCollection', 'api-http') } }],
          },
        },
      ],
      requestRoutingRules: [
        { name: 'routing', id: `${id}/requestRoutingRules/routing`, properties: { ruleType: 'PathBasedRouting', priority: 100, httpListener: ref('httpListeners', 'listener80'), urlPathMap: ref('urlPathMaps', 'paths') } },
      ],
    },
  };
}

function demoLoadBalancer(): Json {
  const id = `${rg}/loadBalancers/demo-lb`;
  const address = (name: string, ip: string) => ({ name, properties: { ipAddress: ip, virtualNetwork: { id: vnet }, adminState: 'None' } });
  return {
    id,
    name: 'demo-lb',
    type: 'Microsoft.Network/loadBalancers',
    location: 'westus',
    sku: { name: 'Standard', tier: 'Regional' },
    properties: {
      provisioningState: 'Succeeded',
      frontendIPConfigurations: [{ name: 'fe', id: `${id}/frontendIPConfigurations/fe`, properties: { privateIPAddress: '10.2.0.10', privateIPAllocationMethod: 'Static', subnet: { id: `${vnet}/subnets/lb-subnet` } } }],
      backendAddressPools: [
        {
          name: 'web-pool',
          id: `${id}/backendAddressPools/web-pool`,
          properties: { loadBalancerBackendAddresses: [address('web-1', '10.2.0.4'), address('web-2', '10.2.0.5'), address('web-3', '10.2.0.6')] },
        },
      ],
      probes: [{ name: 'http-probe', id: `${id}/probes/http-probe`, properties: { protocol: 'Http', port: 80, requestPath: '/healthz', intervalInSeconds: 5, numberOfProbes: 1, probeThreshold: 1 } }],
      loadBalancingRules: [
        {
          name: 'http',
          id: `${id}/loadBalancingRules/http`,
          properties: {
            frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/fe` },
            backendAddressPool: { id: `${id}/backendAddressPools/web-pool` },
            probe: { id: `${id}/probes/http-probe` },
            protocol: 'Tcp',
            frontendPort: 80,
            backendPort: 80,
            idleTimeoutInMinutes: 4,
            enableTcpReset: true,
          },
        },
      ],
    },
  };
}

/**
 * Subscription 00000000-0000-0000-0000-000000000001, resource group demo-rg: application
 * gateway demo-agw (pool web-pool of three IPs behind settings web-http, pool api-pool of two
 * FQDNs behind api-http, both with connection draining enabled for 5 s, routed by one
 * path-based rule) and load balancer demo-lb (pool web-pool of three named addresses with
 * admin state None, used by rule http with a health probe).
 */
export function demoSeed(): AzureSeed {
  return {
    location: 'westus',
    applicationGateways: [{ resource: demoGateway() }],
    loadBalancers: [{ resource: demoLoadBalancer() }],
  };
}
