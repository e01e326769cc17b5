import { api } from '../server/api.js';
import { h } from '../dom.js';
import { navigate } from '../router.js';

/** A form that executes a flow with a text or JSON input, then opens the new request's page. */
export function executeForm(flows: readonly string[], selected?: string): HTMLElement {
  const flow = h(
    'select',
    { name: 'flow', 'aria-label': 'flow' },
    flows.map((name) => h('option', { value: name, selected: name === selected }, name)),
  ) as HTMLSelectElement;
  const input = h('textarea', {
    name: 'input',
    rows: 3,
    placeholder: 'input: text, or JSON when "JSON" is ticked (e.g. ["ann","bob"])',
  }) as HTMLTextAreaElement;
  const asJson = h('input', { type: 'checkbox', name: 'json' }) as HTMLInputElement;
  const message = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'execute-form',
      onsubmit: (event) => {
        event.preventDefault();
        message.textContent = '';
        if (asJson.checked) {
          try {
            JSON.parse(input.value);
          } catch (error) {
            message.textContent = `Not valid JSON: ${(error as Error).message}`;
            return;
          }
        }
        api.execute(flow.value, input.value, asJson.checked).then(
          ({ requestId }) =>
            navigate(
              `/requests/${encodeURIComponent(flow.value)}/${encodeURIComponent(requestId)}`,
            ),
          (error: Error) => (message.textContent = error.message),
        );
      },
    },
    h('h2', {}, 'Execute'),
    h('label', {}, 'Flow ', flow),
    input,
    h('label', {}, asJson, ' JSON'),
    h('button', { type: 'submit' }, 'Execute'),
    message,
  );
  return form;
}
