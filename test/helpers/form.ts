/** The form field with a dotted id anywhere in a form tree (src-renderer/lib/configSchema.ts). */
import type { FieldNode } from '../../src-renderer/lib/configSchema';

export function findField(nodes: FieldNode[], id: string): FieldNode | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    if (n.kind === 'section' || n.kind === 'variant') {
      const f = findField(n.children, id);
      if (f) return f;
    }
  }
  return undefined;
}
