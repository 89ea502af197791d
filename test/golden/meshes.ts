// Representative meshes for the compiler's golden and unit tests, built as
// the validator would hand them over (every resource has metadata.namespace).

import type { AuthorizationPolicy, TrafficSplit, VirtualService, VirtualServiceSpec } from '../../operator/api/model.ts';
import { defaultMeshSettings, type MeshSettings, type MeshSnapshot, type Service, type WorkloadInstance } from '../../operator/compile/snapshot.ts';

export const settings: MeshSettings = { ...defaultMeshSettings, rootNamespace: 'weft-system' };

export const vs = (namespace: string, name: string, spec: VirtualServiceSpec, creationTimestamp?: string): VirtualService => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'VirtualService',
  metadata: { name, namespace, ...(creationTimestamp !== undefined ? { creationTimestamp } : {}) },
  spec,
});

export const split = (namespace: string, name: string, service: string, backends: { service: string; weight: number }[], creationTimestamp?: string): TrafficSplit => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'TrafficSplit',
  metadata: { name, namespace, ...(creationTimestamp !== undefined ? { creationTimestamp } : {}) },
  spec: { service, backends },
});

export const policy = (namespace: string, name: string, spec: AuthorizationPolicy['spec']): AuthorizationPolicy => ({
  apiVersion: 'weft.dev/v1alpha1',
  kind: 'AuthorizationPolicy',
  metadata: { name, namespace },
  spec,
});

export const httpService = (namespace: string, name: string, clusterIP: string, app: string, port = 80, targetPort = 8080, extra: Partial<Service> = {}): Service => ({
  namespace,
  name,
  clusterIP,
  selector: { app },
  ports: [{ name: 'http', port, targetPort, protocol: 'http' }],
  ...extra,
});

export const pod = (namespace: string, workload: string, address: string, labels: Record<string, string>, serviceAccount = workload, ready = true): WorkloadInstance => ({
  namespace,
  workload,
  address,
  labels,
  serviceAccount,
  ready,
});

/** A shop: frontend → productpage → reviews (v1/v2 canary by TrafficSplit) and ratings, plus a TCP database. */
export function shopMesh(): MeshSnapshot {
  return {
    settings,
    registry: {
      services: [
        httpService('shop', 'frontend', '10.0.0.10', 'frontend'),
        httpService('shop', 'productpage', '10.0.0.11', 'productpage', 9080, 9080),
        httpService('shop', 'reviews', '10.0.0.12', 'reviews', 9080, 9080),
        { ...httpService('shop', 'reviews-v1', '10.0.0.13', 'reviews', 9080, 9080), selector: { app: 'reviews', version: 'v1' } },
        { ...httpService('shop', 'reviews-v2', '10.0.0.14', 'reviews', 9080, 9080), selector: { app: 'reviews', version: 'v2' } },
        { namespace: 'shop', name: 'ratings', clusterIP: '10.0.0.15', selector: { app: 'ratings' }, ports: [{ name: 'grpc', port: 9090, targetPort: 9090, protocol: 'grpc' }] },
        { namespace: 'data', name: 'postgres', clusterIP: '10.0.1.10', selector: { app: 'postgres' }, ports: [{ name: 'tcp-pg', port: 5432, targetPort: 5432, protocol: 'tcp' }] },
      ],
      instances: [
        pod('shop', 'frontend', '10.1.0.1', { app: 'frontend' }),
        pod('shop', 'productpage', '10.1.0.2', { app: 'productpage' }),
        pod('shop', 'reviews-v1', '10.1.0.3', { app: 'reviews', version: 'v1' }, 'reviews'),
        pod('shop', 'reviews-v2', '10.1.0.4', { app: 'reviews', version: 'v2' }, 'reviews'),
        pod('shop', 'reviews-v2', '10.1.0.5', { app: 'reviews', version: 'v2' }, 'reviews', false),
        pod('shop', 'ratings', '10.1.0.6', { app: 'ratings' }),
        pod('data', 'postgres', '10.1.1.1', { app: 'postgres' }, 'postgres'),
      ],
    },
    virtualServices: [
      vs('shop', 'productpage', {
        hosts: ['productpage'],
        http: [
          {
            name: 'api',
            match: [{ uri: { prefix: '/api' }, headers: { 'x-debug': { exact: '1' } } }],
            route: [{ destination: { host: 'productpage' } }],
            timeout: '2s',
            retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,reset' },
          },
          { route: [{ destination: { host: 'productpage' } }] },
        ],
      }, '2024-01-01T00:00:00Z'),
      vs('shop', 'reviews', {
        hosts: ['reviews'],
        http: [
          { match: [{ sourceLabels: { app: 'productpage' } }], route: [{ destination: { host: 'reviews' } }], fault: { delay: { fixedDelay: '100ms', percentage: { value: 10 } } } },
          { route: [{ destination: { host: 'reviews-v1' } }] },
        ],
      }, '2024-01-02T00:00:00Z'),
    ],
    trafficSplits: [split('shop', 'reviews-canary', 'reviews', [{ service: 'reviews-v1', weight: 90 }, { service: 'reviews-v2', weight: 10 }])],
    authorizationPolicies: [
      policy('shop', 'reviews-from-productpage', {
        selector: { matchLabels: { app: 'reviews' } },
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/productpage'] } }] }],
      }),
      policy('data', 'postgres-deny-shop', {
        selector: { matchLabels: { app: 'postgres' } },
        action: 'DENY',
        rules: [{ from: [{ source: { namespaces: ['shop'] } }] }],
      }),
    ],
  };
}

/**
 * A small mesh for feature tests: Services web, api, api-v2, mirror and multi
 * (ports 80 and 9090) in `shop`, the clients shop/client and jobs/batch, and
 * the VirtualServices given.
 */
export function routingMesh(virtualServices: VirtualService[], extra: Partial<MeshSnapshot> = {}): MeshSnapshot {
  return {
    settings,
    registry: {
      services: [
        httpService('shop', 'web', '10.0.0.1', 'web'),
        httpService('shop', 'api', '10.0.0.2', 'api'),
        httpService('shop', 'api-v2', '10.0.0.3', 'api-v2'),
        httpService('shop', 'mirror', '10.0.0.4', 'mirror'),
        {
          namespace: 'shop',
          name: 'multi',
          clusterIP: '10.0.0.5',
          selector: { app: 'multi' },
          ports: [
            { name: 'http', port: 80, targetPort: 8080, protocol: 'http' },
            { name: 'http-admin', port: 9090, targetPort: 9090, protocol: 'http' },
          ],
        },
      ],
      instances: [
        pod('shop', 'client', '10.1.0.1', { app: 'client', tier: 'front' }),
        pod('jobs', 'batch', '10.1.0.2', { app: 'batch' }),
        pod('shop', 'web', '10.1.0.3', { app: 'web' }),
        pod('shop', 'api', '10.1.0.4', { app: 'api' }),
        pod('shop', 'api-v2', '10.1.0.5', { app: 'api-v2' }),
      ],
    },
    virtualServices,
    trafficSplits: [],
    authorizationPolicies: [],
    ...extra,
  };
}

export const CLIENT = { namespace: 'shop', workload: 'client' } as const;
export const BATCH = { namespace: 'jobs', workload: 'batch' } as const;

/** Every routing feature on one host, with a canary split on its destination. */
export function featureMesh(): MeshSnapshot {
  return routingMesh(
    [
      vs('shop', 'api', {
        hosts: ['api'],
        http: [
          {
            name: 'admin',
            match: [{ uri: { prefix: '/admin' }, ignoreUriCase: true, sourceLabels: { tier: 'front' } }],
            directResponse: { status: 403, body: { string: 'forbidden' } },
          },
          { name: 'legacy', match: [{ uri: { exact: '/v0' } }], redirect: { uri: '/v1', redirectCode: 308 } },
          {
            name: 'v1',
            match: [{ uri: { regex: '/v1/.*' }, method: { exact: 'GET' }, headers: { 'x-user': { prefix: 'test-' } }, withoutHeaders: { 'x-skip': {} }, queryParams: { beta: { exact: 'true' } } }],
            route: [
              { destination: { host: 'api' }, weight: 90, headers: { request: { set: { 'x-version': 'v1' } } } },
              { destination: { host: 'api-v2' }, weight: 10, headers: { request: { set: { 'x-version': 'v2' } } } },
            ],
            timeout: '1.5s',
            retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,503' },
            fault: { abort: { httpStatus: 500, percentage: { value: 0.1 } } },
            mirror: { host: 'mirror' },
            mirrorPercentage: { value: 5 },
            headers: { response: { add: { 'x-served-by': 'weft' }, remove: ['server'] } },
            rewrite: { uriRegexRewrite: { match: '^/v1/(.*)$', rewrite: '/\\1' }, authority: 'api.internal' },
            corsPolicy: { allowOrigins: [{ exact: 'https://shop.example' }], allowMethods: ['GET'], maxAge: '10m' },
          },
          { route: [{ destination: { host: 'api' } }], timeout: '0s', retries: { attempts: 0 } },
        ],
      }),
    ],
    { trafficSplits: [split('shop', 'api-canary', 'api-v2', [{ service: 'api-v2', weight: 3 }, { service: 'web', weight: 1 }])] },
  );
}

/** STRICT mTLS, REGISTRY_ONLY, a Service exported to its namespace only. */
export function strictMesh(): MeshSnapshot {
  const base = routingMesh([]);
  return {
    ...base,
    settings: { ...settings, defaultMtls: 'STRICT', outboundTrafficPolicy: 'REGISTRY_ONLY' },
    registry: {
      ...base.registry,
      services: [...base.registry.services, httpService('jobs', 'queue', '10.0.2.1', 'batch', 80, 8080, { exportTo: ['.'] })],
    },
  };
}
