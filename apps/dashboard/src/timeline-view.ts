import { h } from './dom.js';
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
          h('span', {
            class: `timeline-bar status-${row.status}${row.running ? ' open' : ''}`,
            style: `left:${percent(row.startMs)};width:max(2px,${percent(row.endMs - row.startMs)})`,
            title: `${row.startMs} → ${row.endMs} ms`,
          }),
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
