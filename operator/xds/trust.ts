// The mesh trust bundle over ADS: every proxy receives the public roots as
// the SDS Secret ROOTCA, next to its listeners and clusters. A root rotation
// changes the bundle (old + new root during the overlap), which changes the
// Secret's content hash, so the server pushes it to every proxy holding it;
// proxies' own certificates (`default`) never travel over ADS, they come from
// each proxy's identity agent.
//
// A helper on snapshot inputs, so the server itself is unchanged: whoever
// builds snapshots (the distributor, `weft up`) passes the compiled resources
// through withTrustBundle before XdsSnapshot.build.

import { trustBundleSecret, SECRET_ROOT } from '../../xds/secrets.ts';
import { TypeUrl } from '../../xds/types.ts';
import type { ResourceInput } from './snapshot.ts';

/** The ROOTCA Secret for `bundlePem` (every trusted root, PEM). */
export function trustBundleResource(bundlePem: string): ResourceInput {
  if (!bundlePem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('trust bundle: no PEM certificate found; pass trustBundlePem(ca)');
  return { name: SECRET_ROOT, typeUrl: TypeUrl.Secret, resource: Object.freeze(trustBundleSecret(bundlePem)) };
}

/** `resources` plus the ROOTCA Secret (replacing one already there). */
export function withTrustBundle(resources: Iterable<ResourceInput>, bundlePem: string): ResourceInput[] {
  const root = trustBundleResource(bundlePem);
  const out: ResourceInput[] = [];
  for (const r of resources) if (!(r.typeUrl === TypeUrl.Secret && r.name === SECRET_ROOT)) out.push(r);
  out.push(root);
  return out;
}

const bundleParts = new Map<string, readonly ResourceInput[]>();

/** The ROOTCA Secret as a shared group (XdsSnapshot.build's parts): one frozen array per bundle, so it is encoded once. */
export function trustBundlePart(bundlePem: string): readonly ResourceInput[] {
  let part = bundleParts.get(bundlePem);
  if (part === undefined) {
    // A rotation replaces the bundle; the previous one is not needed again.
    bundleParts.clear();
    bundleParts.set(bundlePem, (part = Object.freeze([trustBundleResource(bundlePem)])));
  }
  return part;
}
