import type { ScheduleResponse } from '@dagflow/server/contract';
import { dateTime, duration, h } from '../dom.js';

/** A flow's schedules with their next run; nothing when it has none. */
export function schedulesView(schedules: readonly ScheduleResponse[]): HTMLElement | '' {
  if (schedules.length === 0) return '';
  return h(
    'section',
    { class: 'schedules', 'data-testid': 'schedules' },
    h('h2', {}, 'Schedules'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['id', 'when', 'next run', 'input'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        schedules.map((schedule) =>
          h(
            'tr',
            { 'data-schedule': schedule.id },
            h('td', { class: 'mono' }, schedule.id),
            h(
              'td',
              {},
              schedule.cron === undefined
                ? `every ${duration(schedule.everyMs ?? 0)}`
                : `${schedule.cron}${schedule.tz === undefined ? '' : ` (${schedule.tz})`}`,
            ),
            h('td', {}, dateTime(schedule.next)),
            h('td', { class: 'mono' }, JSON.stringify(schedule.input)),
          ),
        ),
      ),
    ),
  );
}
