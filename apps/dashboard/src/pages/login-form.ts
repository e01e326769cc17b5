import { api } from '../server/api.js';
import { h } from '../dom.js';
import { storeToken } from '../server/session.js';

/**
 * Asks for an API token; once `/auth/whoami` accepts it, keeps it for the browser session and reloads
 * the page with it. `reason` says why the form is shown.
 */
export function loginForm(reason: string): HTMLElement {
  const token = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    'aria-label': 'API token',
  }) as HTMLInputElement;
  const message = h('p', { class: 'form-error', role: 'alert' });
  return h(
    'form',
    {
      class: 'login-form',
      onsubmit: (event) => {
        event.preventDefault();
        message.textContent = '';
        const value = token.value.trim();
        api.whoami(value).then(
          () => {
            storeToken(value);
            location.reload();
          },
          (error: Error & { status?: number }) =>
            (message.textContent =
              error.status === 401
                ? 'This token is not accepted by the server. Check it and try again.'
                : `Could not sign in: ${error.message}`),
        );
      },
    },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, reason),
    h('label', {}, 'API token ', token),
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  );
}
