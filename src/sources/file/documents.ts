/**
 * Splits a multi-document YAML file into its documents' source texts without parsing it, so a
 * caller can parse and validate each document on its own and reuse the work for documents whose
 * text did not change (runner/config-loader.ts). Editing one object in a file of 100 objects then
 * costs one object, not 100 (~250 ms at N = 10k; BENCHMARKS.md "Control plane").
 *
 * Why splitting on marker lines gives the same documents as parsing the whole file: in YAML a
 * line that starts with `---` or `...` followed by a space, a tab, a line break or the end of the
 * input is a document marker wherever it appears (YAML 1.2.2 section 9.1.4: such a line is
 * "forbidden" inside any content, block scalars and quoted scalars included), and the `yaml`
 * package's lexer follows that rule (parseLineStart, continueScalar, parseFlowCollection). A
 * document starts empty: anchors, tags and indentation do not carry over from the one before.
 * What does carry over is refused here (undefined: parse the whole file instead):
 * - directives (`%YAML`, `%TAG`) shape the documents after them;
 * - a `...` end marker allows a following document without `---`, with its own directives.
 * Parse problems are not decided here: a caller that gets any diagnostic from a piece parses the
 * whole file, so messages stay exactly those of a whole-file parse.
 */

/** One document's source text and where it starts in the file. */
export interface DocumentText {
  /** The text, from the start of its `---` line (or of the file) up to the next marker line. */
  readonly text: string;
  /** 1-based line of the file where `text` starts. */
  readonly line: number;
}

/** A directive line, or a `...` document end marker line (see the module comment). */
const UNSPLITTABLE = /^(?:%|\.\.\.(?:[ \t\r\n]|$))/m;

/** The `yaml` lexer's isEmpty: what may follow `---` for it to be a marker. */
function endsMarker(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/**
 * The documents of `text` (blank or comment-only pieces included: the parser skips them), or
 * undefined when the file must be parsed as a whole. Joined, the pieces give back `text`.
 */
export function splitDocuments(text: string): DocumentText[] | undefined {
  if (UNSPLITTABLE.test(text)) return undefined;
  // The first piece starts at 0, with or without a `---` line; every other marker line starts one.
  const starts: number[] = [0];
  for (let at = text.indexOf('\n---'); at !== -1; at = text.indexOf('\n---', at + 1)) {
    if (endsMarker(text[at + 4])) starts.push(at + 1);
  }
  const out: DocumentText[] = [];
  let line = 1;
  let counted = 0;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    const end = starts[i + 1] ?? text.length;
    for (let nl = text.indexOf('\n', counted); nl !== -1 && nl < start; nl = text.indexOf('\n', nl + 1)) line++;
    counted = start;
    out.push({ text: text.slice(start, end), line });
  }
  return out;
}
