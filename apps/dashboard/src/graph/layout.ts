import { Graph, layout } from '@dagrejs/dagre';
import type { Box, Cluster, GraphModel } from './graph-model.js';
import type { Measure } from './text-fit.js';

/** A placed rectangle (top-left corner). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The model with positions: boxes and clusters as rectangles, links as polylines. */
export interface Placed {
  readonly boxes: readonly (Box & Rect)[];
  readonly clusters: readonly (Cluster & Rect)[];
  readonly links: readonly {
    from: string;
    to: string;
    executionOnly: boolean;
    stream?: boolean;
    points: { x: number; y: number }[];
  }[];
  readonly width: number;
  readonly height: number;
}

const BOX_HEIGHT = 46;
/** Room left and right of a box's texts. */
export const BOX_PADDING = 10;
const MIN_BOX_WIDTH = 120;
/** Wider texts are cut with an ellipsis (the whole text in a tooltip). */
export const MAX_BOX_WIDTH = 300;

/** A box wide enough for its name and its subtitle, within the bounds. */
function boxWidth(box: Box, measure: Measure): number {
  const text = Math.max(measure(box.label, 'label'), measure(box.subtitle, 'status'));
  return Math.ceil(Math.max(MIN_BOX_WIDTH, Math.min(MAX_BOX_WIDTH, text + 2 * BOX_PADDING + 2)));
}

/** Lays the DAG out left to right with dagre, groups as compound nodes; `measure` sizes the boxes. */
export function place(model: GraphModel, measure: Measure): Placed {
  const graph = new Graph({ compound: true, multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const cluster of model.clusters) {
    graph.setNode(cluster.id, { width: 0, height: 0 });
    if (cluster.parent !== undefined) graph.setParent(cluster.id, cluster.parent);
  }
  for (const box of model.boxes) {
    graph.setNode(box.id, { width: boxWidth(box, measure), height: BOX_HEIGHT });
    if (box.cluster !== undefined) graph.setParent(box.id, box.cluster);
  }
  model.links.forEach((link, i) => graph.setEdge(link.from, link.to, {}, String(i)));
  layout(graph);

  const rect = (id: string): Rect => {
    const node = graph.node(id) as { x: number; y: number; width: number; height: number };
    return {
      x: node.x - node.width / 2,
      y: node.y - node.height / 2,
      width: node.width,
      height: node.height,
    };
  };
  const boxes = model.boxes.map((box) => ({ ...box, ...rect(box.id) }));
  // A cluster grows upward by its title's height, so that the title never covers its boxes.
  const clusters = model.clusters.map((cluster) => {
    const at = rect(cluster.id);
    return { ...cluster, ...at, y: at.y - 22, height: at.height + 22 };
  });
  const links = model.links.map((link, i) => ({
    ...link,
    points:
      (graph.edge(link.from, link.to, String(i)) as { points?: { x: number; y: number }[] })
        .points ?? [],
  }));
  // Titles of nested groups may reach above the top margin: move everything down to make room.
  const dy = Math.max(0, 8 - Math.min(0, ...clusters.map((cluster) => cluster.y)));
  const down = <T extends { y: number }>(item: T): T => ({ ...item, y: item.y + dy });
  const all = [...boxes, ...clusters].map(down);
  return {
    boxes: boxes.map(down),
    clusters: clusters.map(down),
    links: links.map((link) => ({ ...link, points: link.points.map(down) })),
    width: Math.max(200, ...all.map((r) => r.x + r.width)) + 16,
    height: Math.max(80, ...all.map((r) => r.y + r.height)) + 16,
  };
}
