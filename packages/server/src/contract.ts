/**
 * Request and response shapes of the dagflow HTTP API, for clients and the dashboard.
 * Types only: importing this module loads no code.
 * @module
 */
import type { AuditEntry } from '@dagflow/engine';
import type { DagDescription, ErrorCode } from '@dagflow/flow';

/** Every error answer: `{"error": {"code", "message", "details"?}}`. */
export interface ErrorResponse {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details?: Record<string, unknown>;
  };
}

/** `POST /flow/:name` (202), and `?wait=` when the request is still running at the deadline. */
export interface ExecuteResponse {
  readonly requestId: string;
  readonly status?: 'running';
}

/** `GET /flows`. */
export interface FlowListResponse {
  readonly flows: readonly {
    readonly name: string;
    readonly version: string;
    readonly nodes: number;
  }[];
}

/** `GET /flows/:name`. */
export interface FlowDetailResponse {
  readonly name: string;
  readonly version: string;
  /** Live workers per queue (`''`: the flow's own queue). */
  readonly workers: Readonly<Record<string, number>>;
  /** The flow's concurrency option: nodes at once, or a concurrency key's limit and `keyPath` (or `key: 'function'`). */
  readonly concurrency?:
    number | { readonly limit: number; readonly keyPath?: string; readonly key?: 'function' };
  /** The flow's schedules with their next run. */
  readonly schedules: readonly ScheduleResponse[];
  readonly dag: DagDescription;
}

/** One schedule of a flow: `PUT /flows/:name/schedules/:id` answers it; `GET .../schedules` lists them. */
export interface ScheduleResponse {
  readonly id: string;
  readonly cron?: string;
  readonly everyMs?: number;
  readonly tz?: string;
  readonly input: unknown;
  /** When the next request starts (ms since epoch). */
  readonly next?: number;
}

/** `GET /flows/:name/schedules`. */
export interface ScheduleListResponse {
  readonly schedules: readonly ScheduleResponse[];
}

/** `PUT /flows/:name/schedules/:id` body: exactly one of `cron` and `everyMs`. */
export interface ScheduleRequest {
  readonly cron?: string;
  readonly everyMs?: number;
  readonly tz?: string;
  readonly input?: unknown;
}

/** `GET /flow/:name/requests`. */
export interface RequestListResponse {
  readonly requests: readonly {
    readonly requestId: string;
    readonly status: RequestStatusName;
    readonly createdAt: number;
    readonly finishedAt?: number;
  }[];
  /** Pass as `?cursor=` for the next page; absent on the last page. */
  readonly cursor?: string;
}

/** Status names of a request. */
export type RequestStatusName =
  'pending' | 'running' | 'completed' | 'failed' | 'stopped' | 'paused';

/** A node's error in a request state. */
export interface NodeErrorResponse {
  readonly node: string;
  readonly attempts: number;
  readonly message: string;
  readonly name: string;
  readonly code?: string;
}

/** `GET /flow/:name/requests/:id`. */
export interface RequestStateResponse {
  readonly requestId: string;
  readonly flow: string;
  readonly status: RequestStatusName;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: NodeErrorResponse;
  readonly nodes: Readonly<
    Record<
      string,
      {
        readonly status: 'pending' | 'queued' | 'running' | 'retrying' | 'completed' | 'failed';
        readonly attempts: number;
        readonly startedAt?: number;
        readonly finishedAt?: number;
        readonly error?: NodeErrorResponse;
        readonly picked?: readonly string[];
        readonly waiting?: 'waiting for worker';
      }
    >
  >;
}

/** `POST /flow/:name/requests/:id/{pause,resume,stop,rerun}`. */
export interface ControlResponse {
  readonly requestId: string;
  readonly status: RequestStatusName;
}

/** `GET /auth/whoami`: the caller's role and its token's name (`anonymous` when auth is off). */
export interface WhoAmIResponse {
  readonly role: 'viewer' | 'operator' | 'admin';
  readonly token: string;
}

/** `GET /admin/audit?limit=`: registry changes made over HTTP, newest first. */
export interface AuditLogResponse {
  readonly entries: readonly AuditEntry[];
}
