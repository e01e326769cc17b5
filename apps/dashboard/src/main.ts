import './style.css';
import { ApiError, UNAUTHENTICATED_EVENT, api } from './server/api.js';
import { h } from './dom.js';
import { flowPage } from './pages/flow-page.js';
import { flowsPage } from './pages/flows-page.js';
import { loginForm } from './pages/login-form.js';
import { requestPage } from './pages/request-page.js';
import { workersPage } from './pages/workers-page.js';
import { startRouter } from './router.js';
import { setRole, storedToken, storeToken } from './server/session.js';

const root = document.getElementById('app');
const identity = document.getElementById('identity');

let asking = false;

/** Replaces the page with the token form, once (the router goes on rendering into a detached root). */
function askForToken(reason: string): void {
  if (root === null || asking) return;
  asking = true;
  storeToken(undefined);
  identity?.replaceChildren();
  root.replaceWith(h('main', { id: 'app' }, loginForm(reason)));
}

async function start(main: HTMLElement): Promise<void> {
  const me = await api.whoami().catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  });
  if (me === undefined) {
    askForToken(
      storedToken() === undefined
        ? 'This server needs an API token. Ask its operator for one (viewer, operator or admin).'
        : 'The server no longer accepts your token; enter another one.',
    );
    return;
  }
  setRole(me.role);
  if (storedToken() !== undefined) {
    identity?.replaceChildren(
      h('span', { 'data-testid': 'role' }, me.role),
      h(
        'button',
        {
          type: 'button',
          class: 'sign-out',
          onclick: () => {
            storeToken(undefined);
            location.reload();
          },
        },
        'Sign out',
      ),
    );
  }
  window.addEventListener(UNAUTHENTICATED_EVENT, () =>
    askForToken(
      'The server no longer accepts your token (it may have been revoked); enter another one.',
    ),
  );
  startRouter(main, [
    [/^\/$/, flowsPage],
    [/^\/flows\/([^/]+)$/, flowPage],
    [/^\/requests\/([^/]+)\/([^/]+)$/, requestPage],
    [/^\/workers$/, workersPage],
  ]);
}

if (root !== null) {
  start(root).catch(
    (error: Error) => (root.textContent = `The dashboard could not start: ${error.message}`),
  );
}
