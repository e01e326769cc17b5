import type { DagDescription, NodeDescription } from '@dagflow/engine';

/**
 * A DAG as indented text: each vertex with its kind, options and successors; sub-DAGs, branches and
 * for-each bodies nested below their vertex.
 */
export function describeAsText(description: DagDescription, indent = ''): string[] {
  const lines: string[] = [];
  for (const node of description.nodes) {
    const next = description.edges.filter((edge) => edge.from === node.id).map((edge) => edge.to);
    lines.push(
      `${indent}${node.id}${details(node)}${next.length > 0 ? ` -> ${next.join(', ')}` : ''}`,
    );
    if (node.dag !== undefined) lines.push(...describeAsText(node.dag, `${indent}  | `));
    for (const [key, branch] of Object.entries(node.branches ?? {})) {
      lines.push(`${indent}  [${key}]`);
      lines.push(...describeAsText(branch, `${indent}  | `));
    }
  }
  return lines;
}

function details(node: NodeDescription): string {
  const parts: string[] = [];
  if (node.kind !== 'task') parts.push(node.kind);
  if (node.wait !== undefined) parts.push(waitText(node.wait));
  else if (node.delayMs !== undefined) parts.push(`delay ${node.delayMs} ms`);
  if (node.retries !== undefined && node.retries > 0) parts.push(`retries ${node.retries}`);
  if (node.timeoutMs !== undefined) parts.push(`timeout ${node.timeoutMs} ms`);
  if (node.queue !== undefined) parts.push(`queue ${node.queue}`);
  if (node.maxConcurrency !== undefined) parts.push(`max ${node.maxConcurrency} at once`);
  if (node.aggregator) parts.push('aggregator');
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** What a signal, event, sleep or child-flow node waits for. */
function waitText(wait: NonNullable<NodeDescription['wait']>): string {
  switch (wait.kind) {
    case 'signal':
      return wait.timeoutMs === undefined ? 'signal' : `signal, timeout ${wait.timeoutMs} ms`;
    case 'sleep':
      return `sleep ${wait.ms} ms`;
    case 'flow':
      return `child flow ${wait.flow}`;
    case 'event':
      return wait.timeoutMs === undefined
        ? `event ${wait.event}`
        : `event ${wait.event}, timeout ${wait.timeoutMs} ms`;
  }
}
