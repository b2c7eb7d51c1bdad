// Entry of the React renderer (a composition root): mounts <App/> into #root and pulls in the
// stylesheet, which esbuild emits as app.css. The renderer talks only to `window.api`.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import './styles.css';

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
