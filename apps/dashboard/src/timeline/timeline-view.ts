import { h } from '../dom.js';
import type { Timeline } from './timeline.js';

/** The timeline as rows of bars over the request's span, attempts and errors in each row. */
export function timelineView(timeline: Timeline): HTMLElement {
  const percent = (ms: number): string => `${((ms / timeline.spanMs) * 100).toFixed(2)}%`;
  return h(
    'div',
    { class: 'timeline' },
    timeline.rows.map((row) =>
      h(
        'div',
        { class: 'timeline-row', 'data-node': row.path },
        // The path may be cut with an ellipsis; the count of instances never is.
        h(
          'span',
          { class: 'timeline-label mono', title: row.path },
          h('span', { class: 'timeline-path' }, row.path),
          row.instances > 1 ? h('span', { class: 'timeline-count' }, ` ×${row.instances}`) : null,
        ),
        h(
          'span',
          { class: 'timeline-track' },
          bar(
            h('span', {
              class: `timeline-bar status-${row.status}${row.running ? ' open' : ''}`,
              title: `${row.startMs} → ${row.endMs} ms`,
            }),
            percent(row.startMs),
            percent(row.endMs - row.startMs),
          ),
        ),
        h(
          'span',
          { class: 'timeline-note' },
          `${row.endMs - row.startMs} ms`,
          row.attempts > 1 ? ` · ${row.attempts} attempts` : '',
          row.error ? ` · ${row.error}` : '',
        ),
      ),
    ),
    timeline.hidden > 0
      ? h('p', { class: 'muted' }, `${timeline.hidden} more nodes not shown.`)
      : null,
  );
}

/**
 * Places a bar through the CSSOM: the page's Content-Security-Policy refuses `style` attributes.
 */
function bar(element: HTMLElement, left: string, width: string): HTMLElement {
  element.style.left = left;
  element.style.width = `max(2px, ${width})`;
  return element;
}
