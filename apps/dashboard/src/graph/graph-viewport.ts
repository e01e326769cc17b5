import { h, svg } from '../dom.js';

/** The part of the drawing in view, in drawing coordinates. */
interface View {
  x: number;
  y: number;
  width: number;
  height: number;
}

const MIN_SCALE = 0.1;
const MAX_SCALE = 4;
const MINIMAP_WIDTH = 180;
let drawings = 0;

/**
 * A frame that shows a DAG drawing with pan (drag), zoom (wheel, buttons), fit to screen and a
 * mini-map for drawings larger than the frame. Redrawing keeps the view the user chose.
 */
export class GraphViewport {
  /** The frame: toolbar, stage and mini-map. */
  readonly element: HTMLElement;
  readonly #stage = h('div', { class: 'dag-stage' });
  readonly #minimap = svg('svg', { class: 'minimap', 'data-testid': 'minimap' });
  #drawing: SVGSVGElement | undefined;
  #size = { width: 0, height: 0 };
  #view: View | undefined;
  #moved = false;

  constructor() {
    const button = (label: string, testid: string, title: string, act: () => void) =>
      h('button', { type: 'button', 'data-testid': testid, title, onclick: act }, label);
    this.element = h(
      'div',
      { class: 'dag-frame' },
      h(
        'div',
        { class: 'dag-tools' },
        button('+', 'zoom-in', 'Zoom in', () => this.#zoomBy(1.25)),
        button('−', 'zoom-out', 'Zoom out', () => this.#zoomBy(0.8)),
        button('Fit', 'zoom-fit', 'Fit to screen', () => this.fit()),
        button('1:1', 'zoom-reset', 'Actual size', () => this.#zoomTo(1)),
      ),
      this.#stage,
      this.#minimap,
    );
    this.#stage.addEventListener('wheel', (event) => this.#wheel(event), { passive: false });
    this.#panWith(this.#stage, (dx, dy) => {
      const scale = this.#scale();
      this.#moveBy(-dx / scale, -dy / scale);
    });
    this.#panWith(this.#minimap, (_dx, _dy, event) => this.#centerOnMinimap(event), true);
  }

  /** Shows a drawing from {@link graphView}; the first one (and any until the user moves) is fitted. */
  show(drawing: SVGElement): void {
    const box = drawing.getAttribute('viewBox')?.split(' ').map(Number) ?? [0, 0, 0, 0];
    this.#size = { width: box[2] ?? 0, height: box[3] ?? 0 };
    const content = svg('g', { id: `dag-drawing-${++drawings}` });
    content.append(...[...drawing.childNodes].filter((node) => node.nodeName !== 'defs'));
    drawing.append(content);
    drawing.setAttribute('width', '100%');
    drawing.setAttribute('height', '100%');
    drawing.setAttribute('preserveAspectRatio', 'xMinYMin meet');
    this.#drawing = drawing as SVGSVGElement;
    this.#stage.replaceChildren(drawing);
    this.#minimap.replaceChildren(
      svg('use', { href: `#${content.id}` }),
      svg('rect', { class: 'minimap-view' }),
    );
    this.#minimap.setAttribute('viewBox', `0 0 ${this.#size.width} ${this.#size.height}`);
    if (this.#view === undefined || !this.#moved) this.fit();
    else this.#apply();
  }

  /** Shows the whole drawing, never larger than its actual size. */
  fit(): void {
    this.#moved = false;
    const { width, height } = this.#size;
    // The stage is as tall as the drawing at the width's scale, within bounds.
    const frameWidth = this.#stage.clientWidth || width;
    const widthScale = Math.min(1, frameWidth / Math.max(1, width));
    const stageHeight = Math.max(160, Math.min(window.innerHeight * 0.65, height * widthScale + 8));
    this.#stage.style.height = `${Math.round(stageHeight)}px`;
    const scale = Math.min(1, frameWidth / Math.max(1, width), stageHeight / Math.max(1, height));
    this.#view = { x: 0, y: 0, width: frameWidth / scale, height: stageHeight / scale };
    this.#apply();
  }

  #scale(): number {
    return (this.#stage.clientWidth || 1) / (this.#view?.width ?? 1);
  }

  #zoomBy(factor: number, at?: { x: number; y: number }): void {
    this.#zoomTo(this.#scale() * factor, at);
  }

  /** Zooms to a scale, keeping the point under `at` (stage pixels; default the centre) in place. */
  #zoomTo(target: number, at?: { x: number; y: number }): void {
    const view = this.#view;
    if (view === undefined) return;
    const stageWidth = this.#stage.clientWidth || 1;
    const stageHeight = this.#stage.clientHeight || 1;
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, target));
    const px = (at?.x ?? stageWidth / 2) / stageWidth;
    const py = (at?.y ?? stageHeight / 2) / stageHeight;
    const pointX = view.x + px * view.width;
    const pointY = view.y + py * view.height;
    const width = stageWidth / scale;
    const height = stageHeight / scale;
    this.#view = { x: pointX - px * width, y: pointY - py * height, width, height };
    this.#moved = true;
    this.#apply();
  }

  #moveBy(dx: number, dy: number): void {
    if (this.#view === undefined) return;
    this.#view = { ...this.#view, x: this.#view.x + dx, y: this.#view.y + dy };
    this.#moved = true;
    this.#apply();
  }

  #wheel(event: WheelEvent): void {
    event.preventDefault();
    const bounds = this.#stage.getBoundingClientRect();
    const at = { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
    this.#zoomBy(Math.pow(1.0015, -event.deltaY), at);
  }

  #centerOnMinimap(event: PointerEvent): void {
    const view = this.#view;
    if (view === undefined) return;
    const bounds = this.#minimap.getBoundingClientRect();
    const scale = this.#size.width / Math.max(1, bounds.width);
    const x = (event.clientX - bounds.left) * scale;
    const y = (event.clientY - bounds.top) * scale;
    this.#moveBy(x - view.width / 2 - view.x, y - view.height / 2 - view.y);
  }

  /**
   * Drags on `target` call `move` with the pointer's movement. A drag of a few pixels is not a click,
   * so that panning over a node does not select it; `onDown` also moves at the first press.
   */
  #panWith(
    target: Element,
    move: (dx: number, dy: number, event: PointerEvent) => void,
    onDown = false,
  ): void {
    let last: { x: number; y: number } | undefined;
    let travelled = 0;
    target.addEventListener('pointerdown', (event) => {
      const pointer = event as PointerEvent;
      if (pointer.button !== 0) return;
      last = { x: pointer.clientX, y: pointer.clientY };
      travelled = 0;
      if (onDown) move(0, 0, pointer);
    });
    target.addEventListener('pointermove', (event) => {
      const pointer = event as PointerEvent;
      if (last === undefined) return;
      const dx = pointer.clientX - last.x;
      const dy = pointer.clientY - last.y;
      travelled += Math.abs(dx) + Math.abs(dy);
      last = { x: pointer.clientX, y: pointer.clientY };
      if (travelled > 3) {
        if (!target.hasPointerCapture(pointer.pointerId))
          target.setPointerCapture(pointer.pointerId);
        move(dx, dy, pointer);
      }
    });
    const end = () => (last = undefined);
    target.addEventListener('pointerup', end);
    target.addEventListener('pointercancel', end);
    // A drag ends in a click on what was under the pointer: swallow it.
    target.addEventListener(
      'click',
      (event) => {
        if (travelled > 3) event.stopPropagation();
        travelled = 0;
      },
      true,
    );
  }

  #apply(): void {
    const view = this.#view;
    if (view === undefined || this.#drawing === undefined) return;
    const box = `${view.x} ${view.y} ${view.width} ${view.height}`;
    this.#drawing.setAttribute('viewBox', box);
    this.#drawing.dataset['scale'] = this.#scale().toFixed(3);
    const whole =
      view.x <= 0 &&
      view.y <= 0 &&
      view.x + view.width >= this.#size.width &&
      view.y + view.height >= this.#size.height;
    this.#minimap.style.display = whole ? 'none' : '';
    const height = (MINIMAP_WIDTH * this.#size.height) / Math.max(1, this.#size.width);
    this.#minimap.setAttribute('width', String(MINIMAP_WIDTH));
    this.#minimap.setAttribute('height', String(Math.round(Math.min(140, height))));
    const rect = this.#minimap.querySelector('.minimap-view');
    for (const [name, value] of Object.entries(view)) rect?.setAttribute(name, String(value));
  }
}
