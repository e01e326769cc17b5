import type { FlowVersionResponse } from '@dagflow/server/contract';
import { dateTime, h } from '../dom.js';

/**
 * A flow's published versions, newest first: the current one marked, each one's live requests,
 * whether it is drained (its code may be switched off) and the nodes no live worker can run (its
 * requests wait there with STEP_UNAVAILABLE). Nothing when none is listed.
 */
export function versionsView(versions: readonly FlowVersionResponse[]): HTMLElement | '' {
  if (versions.length === 0) return '';
  return h(
    'section',
    { class: 'versions', 'data-testid': 'versions' },
    h('h2', {}, 'Versions'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['version', 'revision', 'published', 'live requests', 'drained', 'no worker for'].map(
            (title) => h('th', {}, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        versions.map((info) =>
          h(
            'tr',
            { 'data-version': info.version },
            h(
              'td',
              { class: 'mono' },
              info.version,
              info.current ? [' ', h('span', { class: 'badge status-completed' }, 'current')] : [],
            ),
            h('td', {}, info.revision ?? '–'),
            h('td', {}, dateTime(info.publishedAt)),
            h('td', {}, liveText(info.requests)),
            h('td', {}, info.drained ? 'yes' : 'no'),
            h(
              'td',
              { class: info.unavailable.length > 0 ? 'mono form-error' : 'mono' },
              info.unavailable.join(', ') || '–',
            ),
          ),
        ),
      ),
    ),
  );
}

/** `3 running · 1 paused`, or `none`. */
function liveText(requests: FlowVersionResponse['requests']): string {
  const parts = (['pending', 'running', 'paused'] as const)
    .filter((status) => requests[status] > 0)
    .map((status) => `${requests[status]} ${status}`);
  return parts.join(' · ') || 'none';
}
