import { AUDIT_LOG_LENGTH, type FlowApi, parseDefinition } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import express, { type RequestHandler } from 'express';
import { jsonDepthGuard } from './body.js';
import { applyChange } from './registry-changes.js';
import { param } from './request-params.js';

/**
 * The routes that change the flow registry (admin): register a declarative flow, add, replace and
 * remove steps of a flow at run time, read the audit log. Each change is refused for a code-defined
 * flow without `?force=true`, and audited.
 */
export function registryRoutes(app: express.Express, service: FlowApi, raw: RequestHandler): void {
  const json = express.json({ limit: '1mb', verify: jsonDepthGuard });

  app.post('/flows', raw, async (req, res) => {
    // A declarative flow definition: YAML when the content type says so, else JSON.
    const type = req.headers['content-type'] ?? '';
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const definition = parseDefinition(body, /ya?ml/.test(type) ? 'yaml' : 'json');
    const change = { action: 'register', flow: definitionName(definition) };
    const info = await applyChange(service, { req, res }, change, () => {
      const registered = service.registerDefinition(definition);
      return { info: registered, details: { version: registered.version } };
    });
    res.status(201).json(info);
  });

  // Run-time changes of a flow registered in this process, with registered operations.
  app.post('/admin/flows/:name/steps', json, async (req, res) => {
    const step = stepFromBody(req.body);
    const id = typeof step['id'] === 'string' ? step['id'] : '';
    const change = { action: 'add-step', flow: param(req, 'name'), details: { step: id } };
    res.json(
      await applyChange(service, { req, res }, change, () => ({
        info: service.addStep(change.flow, { ...step, id }),
      })),
    );
  });

  app.put('/admin/flows/:name/steps/:id', json, async (req, res) => {
    const id = param(req, 'id');
    const change = { action: 'replace-step', flow: param(req, 'name'), details: { step: id } };
    res.json(
      await applyChange(service, { req, res }, change, () => ({
        info: service.replaceStep(change.flow, id, stepFromBody(req.body)),
      })),
    );
  });

  app.delete('/admin/flows/:name/steps/:id', async (req, res) => {
    const id = param(req, 'id');
    const change = { action: 'remove-step', flow: param(req, 'name'), details: { step: id } };
    res.json(
      await applyChange(service, { req, res }, change, () => ({
        info: service.removeStep(change.flow, id),
      })),
    );
  });

  app.get('/admin/audit', async (req, res) => {
    const limit = req.query['limit'] === undefined ? 100 : Number(req.query['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LOG_LENGTH) {
      throw new DagflowError(
        ErrorCode.INVALID_INPUT,
        `?limit must be an integer in [1, ${AUDIT_LOG_LENGTH}].`,
      );
    }
    res.json({ entries: await service.auditLog.list(limit) });
  });
}

/** The `name` of a parsed definition, before its full validation: the registry change needs it. */
function definitionName(definition: unknown): string {
  const name =
    typeof definition === 'object' && definition !== null
      ? (definition as { name?: unknown }).name
      : undefined;
  if (typeof name !== 'string') {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      'A flow definition must be an object with a string `name`.',
      { details: { place: 'name' } },
    );
  }
  return name;
}

/** `{ id?, op, with?, after?, before?, retries?, timeoutMs? }` from an admin request body. */
function stepFromBody(body: unknown): Record<string, unknown> & { op: string } {
  if (
    body === null ||
    typeof body !== 'object' ||
    typeof (body as { op?: unknown }).op !== 'string'
  ) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      'A step change needs a JSON body with at least "op" (a registered operation).',
    );
  }
  const { retries, timeoutMs, ...step } = body as Record<string, unknown> & { op: string };
  const options = {
    ...(retries === undefined ? {} : { retries }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  return Object.keys(options).length === 0 ? step : { ...step, options };
}
