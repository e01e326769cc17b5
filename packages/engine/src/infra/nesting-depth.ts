/**
 * Nesting depth of JSON and YAML text, measured before parsing: parsers and the code that walks their
 * results recurse per level, and text nested thousands of levels deep can exhaust the stack (and, for
 * YAML, the heap) of the process that parses it.
 */

/** The deepest nesting accepted by default in request bodies and flow definitions. */
export const MAX_NESTING_DEPTH = 64;

/**
 * The deepest nesting of arrays and objects in JSON text (`[[1]]` is 2); brackets inside strings do
 * not count. Malformed text gets a depth too; the parser rejects it afterwards.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === DOUBLE_QUOTE) inString = false;
    } else if (c === DOUBLE_QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) deepest = Math.max(deepest, ++depth);
    else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth = Math.max(depth - 1, 0);
  }
  return deepest;
}

/**
 * An upper bound of the nesting of collections in YAML text: per line, the levels of indentation open
 * above it, plus its block indicators (`- `, `? `, `: `), plus the flow brackets (`[`, `{`) open at
 * that point. Quoted scalars and comments do not count. It may overestimate unusual text (a plain
 * scalar with an unmatched `[`), never underestimate what the parser nests.
 */
export function yamlDepth(text: string): number {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let deepest = 0;
  for (const line of text.split(/\r?\n|\r/)) {
    const indent = line.length - line.trimStart().length;
    const blank = line.trim() === '' || line.trimStart().startsWith('#');
    if (quote === undefined && flow === 0 && !blank) {
      while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
      indents.push(indent);
    }
    let indicators = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      const next = line[i + 1];
      if (quote !== undefined) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && next === "'") i++;
          else quote = undefined;
        }
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      else if (c === '[' || c === '{') flow++;
      else if (c === ']' || c === '}') flow = Math.max(flow - 1, 0);
      else if (
        (c === '-' || c === '?' || c === ':') &&
        (next === undefined || next === ' ' || next === '\t')
      )
        indicators++;
      deepest = Math.max(deepest, indents.length + indicators + flow);
    }
  }
  return deepest;
}

const BACKSLASH = 0x5c;
const DOUBLE_QUOTE = 0x22;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
