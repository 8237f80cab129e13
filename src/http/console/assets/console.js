// Live updates of a journey page. The page subscribes to its journey's event stream; on each event (a stage change,
// a note, the end) it reads the page again and replaces the parts marked data-live: the stage line's text in place
// (an aria-live region), the waiting line, the facts and the notes. The forms are replaced only when the stage they
// were made for has passed, and a live number's customers only when they or where they stand changed (their
// `data-stage`), so nothing is taken from under a person typing. Without this script the page works the same, with
// its Refresh link.
'use strict';
(() => {
  const root = document.querySelector('[data-events]');
  if (!root || !('EventSource' in window) || !('fetch' in window)) return;
  const pagePath = root.getAttribute('data-page');
  // After a form's POST the address bar shows the action's URL: show the page's, so a reload does not post again.
  if (location.pathname !== pagePath) history.replaceState(null, '', pagePath);

  let reading = false;
  let again = false;

  async function refresh() {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      const response = await fetch(pagePath, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (!response.ok || response.redirected) return; // signed out: the stream ends too
      swap(new DOMParser().parseFromString(await response.text(), 'text/html'));
    } catch {
      // Offline a moment: the stream reconnects and sends its view, which reads the page again.
    } finally {
      reading = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  function swap(next) {
    for (const selector of ['[data-stage-label]', '[data-stage-code]']) {
      const now = document.querySelector(selector);
      const then = next.querySelector(selector);
      if (now && then && now.textContent !== then.textContent) now.textContent = then.textContent;
    }
    const focused = document.activeElement;
    let lostFocus = false;
    for (const part of next.querySelectorAll('[data-live][id]')) {
      const current = document.getElementById(part.id);
      if (!current) continue;
      if (
        current.hasAttribute('data-stage') &&
        current.getAttribute('data-stage') === part.getAttribute('data-stage')
      ) {
        continue; // the same forms: keep what is being typed
      }
      if (current.contains(focused)) lostFocus = true;
      current.replaceWith(document.adoptNode(part));
    }
    if (lostFocus) document.querySelector('.stage')?.focus();
  }

  const source = new EventSource(root.getAttribute('data-events'));
  // A view comes first on every connection: the journey may have moved on since the page was made (or while the
  // stream was reconnecting), so the page is read again unless it shows that stage and those notes already.
  source.addEventListener('view', (event) => {
    const view = JSON.parse(event.data);
    const stage = document.querySelector('[data-stage-code]');
    const notes = document.querySelectorAll('#notes li').length;
    if (!stage || stage.textContent !== view.stage || notes !== view.notes.length) void refresh();
  });
  source.addEventListener('stage', () => void refresh());
  source.addEventListener('note', () => void refresh());
  source.addEventListener('end', () => {
    source.close();
    void refresh();
  });
})();
