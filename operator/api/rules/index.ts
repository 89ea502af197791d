// The semantic rules of each kind, run after the schema check on the same
// plain object (even when the schema check failed, so that one pass reports
// everything).

import type { WeftKind } from '../model.ts';
import type { Obj, RuleContext } from './context.ts';
import { virtualServiceRules } from './virtualservice.ts';
import { authorizationPolicyRules } from './authorizationpolicy.ts';
import { trafficSplitRules } from './trafficsplit.ts';
import { workloadEntryRules } from './workloadentry.ts';
import { requestAuthenticationRules } from './requestauthentication.ts';

export const RULES: Readonly<Record<WeftKind, (resource: Obj, ctx: RuleContext) => void>> = {
  VirtualService: virtualServiceRules,
  AuthorizationPolicy: authorizationPolicyRules,
  TrafficSplit: trafficSplitRules,
  WorkloadEntry: workloadEntryRules,
  RequestAuthentication: requestAuthenticationRules,
};
