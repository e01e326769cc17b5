/**
 * The TypeScript snippets of a Markdown document, with the markers that say how to check them (the
 * convention is described in test/integration/doc-snippets.test.ts).
 */

/** A ```ts block to type-check, and maybe run. */
export interface Snippet {
  /** The document, relative to the repository (`README.md`, `docs/scaling.md`). */
  readonly doc: string;
  /** The document's line of the block's first code line (1-based). */
  readonly line: number;
  /** The document's line of its marker, if it has one. */
  readonly markerLine?: number;
  /** `run`: also executed against a private Redis; `check`: type-checked only. */
  readonly mode: 'check' | 'run';
  /** Code of the marker that goes before the block: imports and declarations the prose implies. */
  readonly given: string;
  /** Code of the marker that goes after the block (a run's clean-up). */
  readonly then: string;
  readonly code: string;
}

/** A block a marker names as a file (`<!-- snippet: file order.yaml -->`), written beside the snippets. */
export interface SnippetFile {
  readonly name: string;
  readonly text: string;
}

/** What one document holds. */
export interface DocSnippets {
  readonly snippets: Snippet[];
  readonly files: SnippetFile[];
  /** Blocks marked `skip`, with their reasons. */
  readonly skipped: string[];
}

interface Marker {
  readonly line: number;
  readonly kind: string;
  readonly argument: string;
  readonly body: string[];
}

const MARKER = /^<!-- snippet: (\w+)\s*(.*?)\s*(-->)?$/;
const FENCE = /^```(\S*)/;

/** The snippets, files and skipped blocks of `markdown` (the text of `doc`). */
export function snippetsOf(doc: string, markdown: string): DocSnippets {
  const lines = markdown.split('\n');
  const found: DocSnippets = { snippets: [], files: [], skipped: [] };
  let marker: Marker | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const opening = MARKER.exec(text);
    if (opening !== null) {
      const line = i + 1;
      const body: string[] = [];
      if (opening[3] === undefined) {
        while (lines[++i] !== '-->') {
          if (i >= lines.length) throw new Error(`${doc}:${line}: unclosed snippet marker`);
          body.push(lines[i]!);
        }
      }
      marker = { line, kind: opening[1]!, argument: opening[2]!, body };
      continue;
    }
    const fence = FENCE.exec(text);
    if (fence === null) {
      if (text.trim() !== '') marker = undefined; // a marker belongs to the block right after it
      continue;
    }
    const start = i + 1;
    while (lines[++i] !== '```')
      if (i >= lines.length) throw new Error(`${doc}:${start}: unclosed`);
    const code = lines.slice(start, i).join('\n');
    add(found, { doc, language: fence[1]!, line: start + 1, code }, marker);
    marker = undefined;
  }
  return found;
}

function add(
  found: DocSnippets,
  block: { doc: string; language: string; line: number; code: string },
  marker: Marker | undefined,
): void {
  const where = `${block.doc}:${block.line}`;
  if (marker?.kind === 'file') {
    found.files.push({ name: marker.argument, text: `${block.code}\n` });
    return;
  }
  if (block.language !== 'ts' && block.language !== 'typescript') {
    if (marker !== undefined)
      throw new Error(`${where}: a '${marker.kind}' marker on a ${block.language} block`);
    return;
  }
  if (marker?.kind === 'skip') {
    if (marker.argument === '') throw new Error(`${where}: 'skip' needs a reason`);
    found.skipped.push(`${where}: ${marker.argument}`);
    return;
  }
  if (marker !== undefined && marker.kind !== 'check' && marker.kind !== 'run')
    throw new Error(`${where}: unknown snippet marker '${marker.kind}'`);
  const split = marker?.body.indexOf('---') ?? -1;
  const body = marker?.body ?? [];
  found.snippets.push({
    doc: block.doc,
    line: block.line,
    ...(marker === undefined ? {} : { markerLine: marker.line }),
    mode: marker?.kind === 'run' ? 'run' : 'check',
    given: (split < 0 ? body : body.slice(0, split)).join('\n'),
    then: split < 0 ? '' : body.slice(split + 1).join('\n'),
    code: block.code,
  });
}
