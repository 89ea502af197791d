// The injected sidecar's settings from its environment: what the proxy tells
// the control plane, and every missing or bad variable named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sidecarSettingsFromEnv } from '../../proxy/bootstrap/from-env.ts';
import { proxyContainer, DEFAULT_SIDECAR } from '../../operator/k8s/webhook/inject.ts';

const base = {
  POD_NAME: 'reviews-v1-7d9f8c6b5-abcde', POD_NAMESPACE: 'shop', POD_IP: '10.1.0.7', NODE_NAME: 'node-1', SERVICE_ACCOUNT: 'reviews',
  WEFT_WORKLOAD_NAME: 'reviews-v1', WEFT_LABELS: '{"app":"reviews","version":"v1"}',
  WEFT_XDS_ADDRESS: 'weft.weft-system.svc:15012', WEFT_TRUST_DOMAIN: 'cluster.local',
  WEFT_TOKEN_FILE: '/var/run/weft/identity/token', WEFT_CA_ROOT_FILE: '/var/run/weft/identity/root-cert.pem',
  WEFT_ADMIN_PORT: '15000', WEFT_HEALTH_PORT: '15021', WEFT_METRICS_PORT: '15090', WEFT_INBOUND_PORT: '15006', WEFT_OUTBOUND_PORT: '15001',
};

test('the node, identity, control plane and ports come from the environment', () => {
  const r = sidecarSettingsFromEnv(base);
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  const s = r.settings;
  assert.equal(s.node.id, 'sidecar~10.1.0.7~reviews-v1-7d9f8c6b5-abcde.shop~shop.svc.cluster.local');
  assert.deepEqual(s.node.metadata, {
    NAMESPACE: 'shop', WORKLOAD_NAME: 'reviews-v1', SERVICE_ACCOUNT: 'reviews', POD_NAME: 'reviews-v1-7d9f8c6b5-abcde',
    INSTANCE_IPS: '10.1.0.7', NODE_NAME: 'node-1', LABELS: '{"app":"reviews","version":"v1"}',
  });
  assert.deepEqual(s.xds, { host: 'weft.weft-system.svc', port: 15012, address: 'weft.weft-system.svc:15012', serverName: 'weft.weft-system.svc' });
  assert.deepEqual(s.ports, { admin: 15000, health: 15021, metrics: 15090, inbound: 15006, outbound: 15001 });
  assert.equal(s.bindAddress, undefined);
  // A Pod without a controller is its own workload; an IP address with the name its certificate carries.
  const bare = sidecarSettingsFromEnv({ ...base, WEFT_WORKLOAD_NAME: undefined, WEFT_XDS_ADDRESS: '[::1]:15012', WEFT_XDS_SERVER_NAME: 'weft.weft-system.svc' });
  assert.ok(bare.ok);
  assert.equal(bare.settings.node.metadata['WORKLOAD_NAME'], 'reviews-v1-7d9f8c6b5-abcde');
  assert.deepEqual(bare.settings.xds, { host: '::1', port: 15012, address: '[::1]:15012', serverName: 'weft.weft-system.svc' });
});

test('every variable the injector sets is one the proxy reads', () => {
  const c = proxyContainer(DEFAULT_SIDECAR, { workload: 'reviews-v1', labels: { app: 'reviews' } });
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) env[e.name] = e.value ?? `from-${e.valueFrom?.fieldRef?.fieldPath ?? '?'}`.replace(/[^a-z0-9-]/g, '-');
  env['POD_NAMESPACE'] = 'shop';
  env['POD_IP'] = '10.1.0.7';
  const r = sidecarSettingsFromEnv(env);
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  assert.equal(r.settings.ports.health, DEFAULT_SIDECAR.ports.health);
  assert.equal(r.settings.node.metadata['WORKLOAD_NAME'], 'reviews-v1');
});

test('missing and malformed variables are all reported, each by name', () => {
  const r = sidecarSettingsFromEnv({ ...base, POD_NAMESPACE: '', SERVICE_ACCOUNT: undefined, WEFT_XDS_ADDRESS: 'weft.weft-system.svc', WEFT_HEALTH_PORT: '99999', WEFT_LABELS: '{"app":1}', WEFT_WORKLOAD_NAME: 'Reviews_V1' });
  assert.equal(r.ok, false);
  const errors = r.ok ? [] : r.errors;
  for (const want of [/^POD_NAMESPACE is not set/, /^SERVICE_ACCOUNT is not set/, /^WEFT_XDS_ADDRESS="weft\.weft-system\.svc" must be HOST:PORT/, /^WEFT_HEALTH_PORT="99999" is not a port/, /^WEFT_LABELS must be a JSON object/, /^WEFT_WORKLOAD_NAME="Reviews_V1" is not a workload name/]) {
    assert.ok(errors.some((e) => want.test(e)), `${want}: ${errors.join(' | ')}`);
  }
  assert.equal(errors.length, 6, errors.join('\n'));
});
