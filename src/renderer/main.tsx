// Entry of the React renderer. The status, cache and settings views arrive with the tray-app
// issue; the renderer talks only to `window.api`.
import { createRoot } from 'react-dom/client';

const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<p>wsfs</p>);
