import type { Page } from 'playwright-core';

/**
 * What is wrong with the drawn DAG on `page`: a box's text outside its box, two boxes overlapping, a
 * group title outside its group or over a box or another title, the zoom buttons over a box, a
 * timeline count cut off. Empty when
 * all is well. Measured in the rendered SVG (getBBox) and the laid-out HTML.
 */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Rect = { x: number; y: number; width: number; height: number };
    const problems: string[] = [];
    const inside = (inner: Rect, outer: Rect) =>
      inner.x >= outer.x - 0.5 &&
      inner.y >= outer.y - 0.5 &&
      inner.x + inner.width <= outer.x + outer.width + 0.5 &&
      inner.y + inner.height <= outer.y + outer.height + 0.5;
    const overlap = (a: Rect, b: Rect) =>
      a.x < b.x + b.width - 0.5 &&
      b.x < a.x + a.width - 0.5 &&
      a.y < b.y + b.height - 0.5 &&
      b.y < a.y + a.height - 0.5;
    const bbox = (element: Element | null): Rect =>
      (element as SVGGraphicsElement | null)?.getBBox() ?? { x: 0, y: 0, width: 0, height: 0 };

    const boxes = [...document.querySelectorAll('svg.dag g.box')].map((group) => ({
      id: group.getAttribute('data-node') ?? '?',
      rect: bbox(group.querySelector('rect')),
      texts: [...group.querySelectorAll(':scope > text')].map((text) => ({
        text: text.firstChild?.textContent ?? '',
        rect: bbox(text),
      })),
    }));
    for (const box of boxes)
      for (const text of box.texts)
        if (!inside(text.rect, box.rect))
          problems.push(`text "${text.text}" overflows box ${box.id}`);
    boxes.forEach((a, i) =>
      boxes.slice(i + 1).forEach((b) => {
        if (overlap(a.rect, b.rect)) problems.push(`boxes ${a.id} and ${b.id} overlap`);
      }),
    );
    const titles = [...document.querySelectorAll('svg.dag g.cluster')].map((group) => ({
      id: group.getAttribute('data-node') ?? '?',
      rect: bbox(group.querySelector('rect')),
      title: bbox(group.querySelector(':scope > text')),
      text: group.querySelector(':scope > text')?.firstChild?.textContent ?? '',
    }));
    for (const cluster of titles) {
      if (!inside(cluster.title, cluster.rect))
        problems.push(`title "${cluster.text}" overflows group ${cluster.id}`);
      for (const box of boxes)
        if (overlap(cluster.title, box.rect))
          problems.push(`title "${cluster.text}" covers box ${box.id}`);
    }
    titles.forEach((a, i) =>
      titles.slice(i + 1).forEach((b) => {
        if (overlap(a.title, b.title)) problems.push(`titles of ${a.id} and ${b.id} overlap`);
      }),
    );
    const tools = document.querySelector('.dag-tools')?.getBoundingClientRect();
    for (const group of document.querySelectorAll('svg.dag g.box')) {
      const box = group.querySelector('rect')?.getBoundingClientRect();
      if (tools !== undefined && box !== undefined && overlap(tools, box))
        problems.push(`the zoom buttons cover box ${group.getAttribute('data-node') ?? '?'}`);
    }
    for (const count of document.querySelectorAll('.timeline-count')) {
      const label = count.parentElement?.getBoundingClientRect();
      const own = count.getBoundingClientRect();
      if (label === undefined || own.right > label.right + 0.5 || own.width === 0)
        problems.push(`timeline count "${count.textContent}" is cut off`);
    }
    return problems;
  });
}
