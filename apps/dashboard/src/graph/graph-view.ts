import { svg } from '../dom.js';
import type { Box, Cluster, GraphModel } from './graph-model.js';
import { BOX_PADDING, place } from './layout.js';
import { type Measure, type TextKind, fitText, textMeasure } from './text-fit.js';

/** Draws a DAG as SVG; `onSelect` gets the box or group clicked. Texts too wide for their box are cut, whole in a tooltip. */
export function graphView(
  model: GraphModel,
  onSelect?: (target: Box | Cluster) => void,
  measure: Measure = textMeasure(),
): SVGElement {
  const placed = place(model, measure);
  const text = (x: number, y: number, content: string, kind: TextKind, room: number) => {
    const fitted = fitText(content, room, kind, measure);
    const element = svg('text', { x, y, class: CLASS[kind] });
    element.textContent = fitted.shown;
    if (fitted.full !== undefined)
      element.append(svg('title', {}, document.createTextNode(fitted.full)));
    return element;
  };
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
      text(cluster.x + 8, cluster.y + 14, cluster.label, 'cluster', cluster.width - 16),
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
        class: `link${link.executionOnly ? ' execution-only' : ''}${link.stream === true ? ' stream' : ''}`,
        'marker-end': 'url(#arrow)',
      }),
    );
  }
  for (const box of placed.boxes) {
    const many = box.instances.length > 1;
    const room = box.width - 2 * BOX_PADDING;
    const group = svg(
      'g',
      {
        class: `box status-${box.status}${box.wait === undefined ? '' : ` wait-${box.wait.kind}`}`,
        'data-node': box.id,
        'data-status': box.status,
        ...(box.wait === undefined ? {} : { 'data-wait': box.wait.kind }),
        ...(many ? { 'data-instances': box.instances.length } : {}),
      },
      svg('rect', { x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }),
      text(box.x + BOX_PADDING, box.y + 19, box.label, 'label', room),
      text(box.x + BOX_PADDING, box.y + 36, box.subtitle, 'status', room),
    );
    if (onSelect !== undefined) group.addEventListener('click', () => onSelect(box));
    root.append(group);
  }
  return root;
}

const CLASS: Record<TextKind, string> = {
  label: 'box-label',
  status: 'box-status',
  cluster: 'cluster-label',
};
