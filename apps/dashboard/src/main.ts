import './style.css';
import { flowPage } from './pages/flow-page.js';
import { flowsPage } from './pages/flows-page.js';
import { requestPage } from './pages/request-page.js';
import { startRouter } from './router.js';

const root = document.getElementById('app');
if (root !== null) {
  startRouter(root, [
    [/^\/$/, flowsPage],
    [/^\/flows\/([^/]+)$/, flowPage],
    [/^\/requests\/([^/]+)\/([^/]+)$/, requestPage],
  ]);
}
