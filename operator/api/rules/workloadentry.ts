// Semantic rules for WorkloadEntry: a workload outside Kubernetes that
// Services select by its labels (Istio's WorkloadEntry). The schema checks
// types and bounds; these check what the API server cannot: the address is
// an IP address or host name, port names are what a Service port's name can
// be (so they can match one), labels are valid Kubernetes labels, and the
// service account can be the name in a SPIFFE identity.

import { isIPv4, isIPv6 } from 'node:net';
import { type Obj, type RuleContext, at, objAt, strAt } from './context.ts';
import { checkLabels, isDnsLabel } from './common.ts';
import { show } from './show.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export function workloadEntryRules(entry: Obj, ctx: RuleContext): void {
  const spec = objAt(entry, 'spec');
  if (spec === undefined) return;

  const address = strAt(spec, 'address');
  if (address !== undefined && address !== '') checkAddress(ctx, address);

  const ports = objAt(spec, 'ports');
  if (ports !== undefined) {
    for (const name of Object.keys(ports)) {
      const why = portNameProblem(name);
      if (why !== undefined) ctx.error(at('spec.ports', name), why);
      // Valid (a Service port may be named "9080"), but far more often a port number written where its name goes.
      else if (/^[0-9]+$/.test(name)) ctx.warn(at('spec.ports', name), `${show(name)} is a number: keys of spec.ports are the names of Service ports (such as http or grpc-api), values the port numbers; this one matches only a Service port named ${show(name)}`);
    }
  }

  const labels = objAt(spec, 'labels');
  // Labels here are the workload's own, not a selector: "*" is simply not a valid label character.
  if (labels !== undefined) checkLabels(ctx, labels, 'spec.labels', true);
  if (labels === undefined || Object.keys(labels).length === 0) {
    ctx.warn('spec.labels', 'no labels: no Service can select this workload, so it receives no traffic through the mesh; give it the labels of the Service selector it serves');
  }

  const sa = strAt(spec, 'serviceAccount');
  if (sa !== undefined) {
    if (sa === '') ctx.error('spec.serviceAccount', 'must not be empty: leave it out for the namespace\'s default service account');
    // Longer than 63 characters: the schema says so.
    else if (sa.length <= 63 && !isDnsLabel(sa)) {
      const lower = sa.toLowerCase();
      const hint = lower !== sa && isDnsLabel(lower) ? `; service account names are lower case: ${show(lower)}` : '';
      ctx.error('spec.serviceAccount', `${show(sa)} is not a service account name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)${hint}`);
    }
  }

  const locality = strAt(spec, 'locality');
  if (locality !== undefined && locality !== '') {
    const parts = locality.split('/');
    if (parts.length > 3 || parts.some((p) => p === '' || /\s/.test(p))) {
      ctx.error('spec.locality', `${show(locality)} is not a locality: write region, region/zone or region/zone/subzone (such as us-east1/us-east1-b)`);
    }
  }

  const network = strAt(spec, 'network');
  if (network !== undefined && network !== '') {
    ctx.warn('spec.network', 'Weft meshes a single network: the network is not used, and every proxy must reach spec.address directly');
  }
}

function checkAddress(ctx: RuleContext, address: string): void {
  const path = 'spec.address';
  if (SCHEME.test(address)) {
    const host = address.replace(SCHEME, '').replace(/[/:].*$/, '');
    ctx.error(path, address.toLowerCase().startsWith('unix://')
      ? 'Unix domain socket addresses are not supported: give the IP address or host name the workload listens on'
      : `is an address, not a URL: write ${show(host)} (got ${show(address)}); ports go in spec.ports`);
    return;
  }
  if (isIPv4(address) || isIPv6(address)) {
    if (address === '0.0.0.0' || address === '::') ctx.error(path, `${show(address)} is the unspecified address, which no proxy can connect to: give the workload's own IP address`);
    return;
  }
  const bracketed = /^\[(.*)\](:[0-9]+)?$/.exec(address);
  if (bracketed !== null && isIPv6(bracketed[1] ?? '')) {
    ctx.error(path, `write the IPv6 address without brackets${bracketed[2] !== undefined ? ' or port' : ''}: ${show(bracketed[1])} (ports go in spec.ports)`);
    return;
  }
  if (address.includes('/')) {
    const base = address.slice(0, address.indexOf('/'));
    ctx.error(path, isIPv4(base) || isIPv6(base) ? `is a CIDR block; a WorkloadEntry is one workload: write its address, such as ${show(base)}` : `${show(address)} is not an IP address or host name`);
    return;
  }
  const withPort = /^(.*):([0-9]+)$/.exec(address);
  if (withPort !== null && (isIPv4(withPort[1] ?? '') || DNS_SUBDOMAIN.test(withPort[1] ?? ''))) {
    ctx.error(path, `must not include a port (got ${show(address)}): write ${show(withPort[1])} and give the port in spec.ports, such as {http: ${withPort[2]}}`);
    return;
  }
  if (address.includes('*')) {
    ctx.error(path, `must be one workload's address; wildcards are not allowed (got ${show(address)})`);
    return;
  }
  const name = address.endsWith('.') ? address.slice(0, -1) : address;
  if (name !== name.toLowerCase() && isHostName(name.toLowerCase())) {
    ctx.error(path, `host names are lower case: write ${show(name.toLowerCase())} (got ${show(address)})`);
    return;
  }
  if (!isHostName(name)) {
    ctx.error(path, `${show(address)} is not an IP address or host name (a DNS name: lower-case letters, digits, '-' and '.', each label at most 63 characters)`);
    return;
  }
  // The name goes into the Services' endpoints as is: Weft's proxies resolve it when they connect; Envoy takes only IPs there.
  ctx.warn(path, `${show(address)} is a host name: Weft's proxies resolve it when they connect, but Envoy sidecars reject host names as Service endpoints; prefer the workload's IP address`);
}

function isHostName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name) && name.split('.').every(isDnsLabel) && !/^[0-9.]+$/.test(name);
}

/** Why a key of spec.ports cannot be a Service port's name, so it would never match one; undefined when it can. */
export function portNameProblem(name: string): string | undefined {
  if (name === '') return 'a port name must not be empty: use the name of the Service port it serves, such as http';
  if (isDnsLabel(name)) return undefined;
  const lower = name.toLowerCase();
  const hint = lower !== name && isDnsLabel(lower) ? `; port names are lower case: ${show(lower)}` : '';
  return `${show(name)} is not a Service port name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)${hint}`;
}
