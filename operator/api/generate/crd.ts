import type { KindSchema } from './schemas.ts';
export function generateCrds(_kinds: readonly KindSchema[]): Map<string, string> {
  return new Map();
}
