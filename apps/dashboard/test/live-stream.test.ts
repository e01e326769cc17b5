import { describe, expect, it } from 'vitest';
import { parseFrame } from '../src/server/live-stream.js';

describe('parseFrame', () => {
  it('reads the event name and its JSON data, over several data lines', () => {
    expect(parseFrame('event: state\ndata: {"status":"running"}')).toEqual({
      event: 'state',
      data: { status: 'running' },
    });
    expect(parseFrame('data: [1,\ndata: 2]')).toEqual({ event: 'message', data: [1, 2] });
  });

  it('ignores comments such as keep-alives', () => {
    expect(parseFrame(': keep-alive')).toBeUndefined();
  });
});
