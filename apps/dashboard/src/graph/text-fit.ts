/** The kinds of text drawn in the DAG, each with its own font (see style.css). */
export type TextKind = 'label' | 'status' | 'cluster';

/** Width in pixels of a text in the font of its kind. */
export type Measure = (text: string, kind: TextKind) => number;

/** Fonts of the SVG texts; they must match `.box-label`, `.box-status` and `.cluster-label` in style.css. */
const FONTS: Record<TextKind, string> = {
  label: '600 12px system-ui, -apple-system, "Segoe UI", sans-serif',
  status: '10.5px system-ui, -apple-system, "Segoe UI", sans-serif',
  cluster: '600 11px system-ui, -apple-system, "Segoe UI", sans-serif',
};

/** Average character widths, for when no canvas can measure (tests outside a browser). */
const CHAR_WIDTH: Record<TextKind, number> = { label: 7.5, status: 6.2, cluster: 6.8 };

/** Measures with a canvas in the page's fonts, or estimates by character count without one. */
export function textMeasure(): Measure {
  const context =
    typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (context === null) return (text, kind) => text.length * CHAR_WIDTH[kind];
  const cache = new Map<string, number>();
  return (text, kind) => {
    const key = `${kind}\u0000${text}`;
    let width = cache.get(key);
    if (width === undefined) {
      context.font = FONTS[kind];
      width = context.measureText(text).width;
      cache.set(key, width);
    }
    return width;
  };
}

/** A text cut to a width: `shown` ends in `…` when cut, and `full` is then the whole text. */
export interface Fitted {
  readonly shown: string;
  readonly full?: string;
}

/** Cuts `text` so that it fits in `width` pixels, ending in an ellipsis when it had to be cut. */
export function fitText(text: string, width: number, kind: TextKind, measure: Measure): Fitted {
  if (measure(text, kind) <= width) return { shown: text };
  let low = 0;
  let high = text.length;
  // The longest prefix that fits with its ellipsis (binary search: measuring is the cost).
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure(`${text.slice(0, mid)}…`, kind) <= width) low = mid;
    else high = mid - 1;
  }
  return { shown: `${text.slice(0, low)}…`, full: text };
}
