/**
 * Test helper: a SourcedObject from YAML text without the file loader, using the `yaml` package
 * directly. Positions follow the loader's convention: a written scalar points at its value, a
 * collection at its key, a missing field at its deepest written ancestor.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { FieldPath, Origin, SourcedObject } from '../sources/origin.ts';

/** Parses one YAML document into a SourcedObject (throws on YAML syntax errors: tests only). */
export function sourced(yamlText: string, file = 'test.yaml'): SourcedObject {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`test YAML does not parse: ${doc.errors[0]?.message ?? ''}`);
  const at = (offset: number | undefined): Origin | undefined => {
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const contents = doc.contents as Node | null;
  const origin = at(contents?.range?.[0]) ?? { file, line: 1, col: 1 };

  function positionOf(path: FieldPath): Origin {
    let node: unknown = contents;
    let best: Origin = origin;
    for (const segment of path) {
      let keyNode: Node | undefined;
      let valueNode: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) return best;
        keyNode = pair.key as Node;
        valueNode = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        valueNode = node.items[segment];
        if (valueNode === undefined) return best;
      } else {
        return best;
      }
      const valuePos = at((valueNode as Node | null)?.range?.[0]);
      const keyPos = at(keyNode?.range?.[0]);
      best = (isScalar(valueNode) ? valuePos ?? keyPos : keyPos ?? valuePos) ?? best;
      node = valueNode;
    }
    return best;
  }

  return { object: doc.toJS({ maxAliasCount: 100 }), origin, positionOf };
}
