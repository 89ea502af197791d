// What the validator says about a resource. Every consumer (admission webhook,
// operator status, `weft validate`) prints these; none re-derives them.

export type Severity = 'error' | 'warning';

export interface Problem {
  readonly severity: Severity;
  /** Field path in Kubernetes form: `spec.http[0].route[1].weight`. Empty for the whole object. */
  readonly path: string;
  /** What is wrong and what is allowed, for a person fixing YAML. */
  readonly message: string;
}

export const error = (path: string, message: string): Problem => ({ severity: 'error', path, message });
export const warning = (path: string, message: string): Problem => ({ severity: 'warning', path, message });

export const hasErrors = (problems: readonly Problem[]): boolean => problems.some((p) => p.severity === 'error');
