import { svg } from './dom.js';
import type { Box, Cluster, GraphModel } from './graph-model.js';
import { place } from './layout.js';
import { describeCounts } from './status.js';

/** Draws a DAG as SVG; `onSelect` gets the box or group clicked. */
export function graphView(
  model: GraphModel,
  onSelect?: (target: Box | Cluster) => void,
): SVGElement {
  const placed = place(model);
  const root = svg('svg', {
    class: 'dag',
    width: placed.width,
    height: placed.height,
    viewBox: `0 0 ${placed.width} ${placed.height}`,
  });
  root.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 10,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }),
      ),
    ),
  );
  // Outer groups first, so that inner ones are drawn on top.
  for (const cluster of placed.clusters) {
    const group = svg(
      'g',
      {
        class: `cluster kind-${cluster.kind} status-${cluster.status}`,
        'data-node': cluster.id,
        'data-status': cluster.status,
      },
      svg('rect', {
        x: cluster.x,
        y: cluster.y,
        width: cluster.width,
        height: cluster.height,
        rx: 8,
      }),
      text(cluster.x + 8, cluster.y + 14, cluster.label, 'cluster-label'),
    );
    if (onSelect !== undefined)
      group.addEventListener('click', (event) => {
        if (event.target === group.firstChild || event.target === group.lastChild)
          onSelect(cluster);
      });
    root.append(group);
  }
  for (const link of placed.links) {
    const d = link.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
    root.append(
      svg('path', {
        d,
        class: link.executionOnly ? 'link execution-only' : 'link',
        'marker-end': 'url(#arrow)',
      }),
    );
  }
  for (const box of placed.boxes) {
    const many = box.instances.length > 1;
    const group = svg(
      'g',
      {
        class: `box status-${box.status}`,
        'data-node': box.id,
        'data-status': box.status,
        ...(many ? { 'data-instances': box.instances.length } : {}),
      },
      svg('rect', { x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }),
      text(box.x + 10, box.y + 19, box.label, 'box-label'),
      text(
        box.x + 10,
        box.y + 36,
        many ? describeCounts(box.counts) : (box.detail ?? box.status),
        'box-status',
      ),
    );
    if (onSelect !== undefined) group.addEventListener('click', () => onSelect(box));
    root.append(group);
  }
  return root;
}

function text(x: number, y: number, content: string, cls: string): SVGElement {
  const element = svg('text', { x, y, class: cls });
  element.textContent = content;
  return element;
}
