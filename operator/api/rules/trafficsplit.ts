// Semantic rules for TrafficSplit (weft.dev, and SMI ones after conversion).

import { type Obj, type RuleContext, at, field, isObj, listAt, objAt, strAt } from './context.ts';
import { hostProblem } from './common.ts';
import { show } from './show.ts';

const MAX_TOTAL_WEIGHT = 4_294_967_295;
const MAX_WEIGHT = 2_147_483_647;

export function trafficSplitRules(split: Obj, ctx: RuleContext): void {
  const spec = objAt(split, 'spec');
  if (spec === undefined) return;
  const root = strAt(spec, 'service');
  if (root !== undefined && root !== '') {
    const why = hostProblem(root, false);
    if (why !== undefined) ctx.error('spec.service', why);
  }
  const backends = listAt(spec, 'backends');
  if (backends === undefined) return;
  const names = new Map<string, number>();
  backends.forEach((b, i) => {
    if (!isObj(b)) return;
    const name = strAt(b, 'service');
    if (name === undefined || name === '') return;
    const sp = field(at('spec.backends', i), 'service');
    const short = sameNamespaceName(name, ctx.namespace);
    if (short === undefined) {
      const why = hostProblem(name, false);
      ctx.error(sp, why ?? `backends are Services in this namespace (${ctx.namespace}): write the Service name only (got ${show(name)})`);
      return;
    }
    const first = names.get(short);
    if (first !== undefined) ctx.warn(sp, `${show(short)} is already a backend at spec.backends[${first}]: their weights add up; list it once`);
    else names.set(short, i);
    if (root !== undefined && short === sameNamespaceName(root, ctx.namespace)) {
      ctx.warn(sp, `the root service ${show(root)} is also a backend: its share goes to every pod behind it, all versions included`);
    }
  });
  checkWeights(ctx, backends);
}

/** `reviews`, `reviews.shop`, `reviews.shop.svc`, `reviews.shop.svc.cluster.local` in namespace shop → `reviews`. */
function sameNamespaceName(name: string, namespace: string): string | undefined {
  const parts = name.split('.');
  const [short, ns, svc] = parts;
  if (short === undefined || hostProblem(short, false) !== undefined) return undefined;
  if (parts.length === 1) return short;
  if (ns !== namespace) return undefined;
  if (parts.length === 2) return short;
  return svc === 'svc' ? short : undefined;
}

function checkWeights(ctx: RuleContext, backends: readonly unknown[]): void {
  const weights = backends.map((b) => (isObj(b) ? b['weight'] : undefined));
  if (weights.some((w) => typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > MAX_WEIGHT)) return; // the schema reports those
  const numbers = weights as number[];
  const total = numbers.reduce((a, b) => a + b, 0);
  if (total === 0) {
    ctx.error('spec.backends', 'all backend weights are 0: no backend would receive traffic; give at least one backend a positive weight');
    return;
  }
  if (total > MAX_TOTAL_WEIGHT) {
    ctx.error('spec.backends', `weights add up to ${total}, more than Envoy's limit of ${MAX_TOTAL_WEIGHT}; use smaller numbers in the same proportions`);
  }
  const positive = numbers.filter((w) => w > 0).length;
  if (numbers.length > 1 && positive === 1) {
    const winner = numbers.findIndex((w) => w > 0);
    const b = backends[winner];
    const name = isObj(b) ? strAt(b, 'service') : undefined;
    ctx.warn('spec.backends', `all traffic goes to spec.backends[${winner}]${name !== undefined ? ` (${name})` : ''}; the others have weight 0 (fine before or after a rollout, noted in case it is not intended)`);
  }
}
