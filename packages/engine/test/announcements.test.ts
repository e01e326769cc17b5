import { describe, expect, it } from 'vitest';
import {
  parseFlowAnnouncement,
  parseRequestAnnouncement,
  parseStepAnnouncement,
} from '../src/format/announcements.js';

describe('announcements', () => {
  it("tells a request's own change from a step's", () => {
    expect(parseRequestAnnouncement('each[3]/a running')).toBeUndefined();
    expect(parseRequestAnnouncement('!paused')).toEqual({ status: 'paused', ended: false });
    expect(parseRequestAnnouncement('!stopped')).toEqual({ status: 'stopped', ended: true });
    expect(parseStepAnnouncement('verify/face-detect completed')).toEqual({
      node: 'verify/face-detect',
      status: 'completed',
    });
  });

  it('reads a completion that carries its result, spaces in the output included', () => {
    expect(parseRequestAnnouncement('!completed v1a2b {"a":"x y","b":[1, 2]}')).toEqual({
      status: 'completed',
      ended: true,
      version: 'v1a2b',
      output: '{"a":"x y","b":[1, 2]}',
    });
    expect(parseRequestAnnouncement('!completed v1 ')).toMatchObject({ version: 'v1', output: '' });
  });

  it("reads a flow channel's message", () => {
    expect(parseFlowAnnouncement('req-1 pending')).toEqual({
      requestId: 'req-1',
      status: 'pending',
    });
  });
});
