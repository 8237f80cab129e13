// Live updates of a journey page. The page subscribes to its journey's event stream while it is shown; on each event
// (a stage change, a note, the end) it reads the page again and replaces the parts marked data-live: the stage line's
// text in place (an aria-live region), the waiting line, the facts and the notes. The forms are replaced only when
// the stage they were made for has passed, and a live number's customers only when they or where they stand changed
// (their `data-stage`); a form still there afterwards keeps what was typed in it and the focus, so nothing is taken
// from under a person typing. Without this script the page works the same, with its Refresh link.
'use strict';
(() => {
  const page = document.querySelector('[data-page]');
  const pagePath = page?.getAttribute('data-page');
  // After a form's POST the address bar shows the action's URL: show the page's, so a reload does not post again
  // (also once the journey has ended, when the page follows nothing).
  if (pagePath && location.pathname !== pagePath) history.replaceState(null, '', pagePath);
  // A form is sent once: a second press while the first is answered would be answered for a stage already left
  // (the page then showed that refusal, not the first's answer). A page that comes back from the cache sends again.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = 'yes';
    const button = form.querySelector('button[type=submit]');
    if (button) {
      button.dataset.label = button.textContent;
      button.textContent = 'Sending…';
      button.setAttribute('aria-disabled', 'true');
    }
  });
  // The PIN an admin read back is shown once: blanked as the page is left, so that Back (a page the browser kept)
  // shows it no more.
  const blankPin = () => {
    for (const pin of document.querySelectorAll('code.pin')) pin.textContent = '(hidden once the page was left)';
  };
  window.addEventListener('pagehide', blankPin);
  // A form's submission id makes a reload of its answer act once; a page the browser kept and shows again (Back) is
  // a new page to its reader: a form sent from it again is a new submission, with an id of its own.
  const newSubmissions = () => {
    for (const field of document.querySelectorAll('input[name=submission]')) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      field.value = btoa(String.fromCharCode(...bytes))
        .replaceAll('+', '-')
        .replaceAll('/', '_')
        .replace(/=+$/, '');
    }
  };
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) {
      blankPin();
      newSubmissions();
    }
    for (const form of document.querySelectorAll('form[data-sending]')) {
      delete form.dataset.sending;
      const button = form.querySelector('button[type=submit]');
      if (button?.dataset.label) button.textContent = button.dataset.label;
      button?.removeAttribute('aria-disabled');
    }
  });
  // Times are written in UTC (one zone for every reader and in the API's answers); a reader in another zone sees
  // their own beside each, as the browser knows it.
  const localClock = new Intl.DateTimeFormat(undefined, {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23', // as the page's UTC times
    timeZoneName: 'short',
  });
  function localTimes(scope) {
    for (const element of scope.querySelectorAll('time[datetime]')) {
      const at = new Date(element.getAttribute('datetime'));
      if (element.nextElementSibling?.classList.contains('local-time') || Number.isNaN(at.getTime())) continue;
      if (at.getTimezoneOffset() === 0) continue;
      const local = document.createElement('span');
      local.className = 'local-time';
      local.textContent = ` (${localClock.format(at)} here)`;
      element.after(local);
    }
  }
  localTimes(document);
  const root = document.querySelector('[data-events]');
  if (!root || !pagePath || !('EventSource' in window) || !('fetch' in window)) return;

  let reading = false;
  let again = false;
  // What changed beside the stage line (a new note: a refusal, Meta's word, an answer that was pending) is said
  // here, politely; the region exists before anything is put in it, as screen readers need.
  const news = document.createElement('p');
  news.id = 'live-news';
  news.className = 'visually-hidden';
  news.setAttribute('aria-live', 'polite');
  root.append(news);
  const newestNote = () => document.querySelector('#notes li')?.textContent?.trim() ?? '';

  async function refresh() {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      const response = await fetch(pagePath, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (response.redirected || response.status === 401) return signedOut();
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), 'text/html');
      swap(next);
      // The journey ended: its page follows nothing (a page that was refused its stream stops reading itself).
      if (!next.querySelector('[data-events]')) {
        stopFollowing();
        document.getElementById('not-live')?.remove();
      }
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

  /** The page no longer follows the journey: said at its top, with the way back (the stream is closed). */
  function signedOut() {
    stopFollowing();
    document.getElementById('not-live')?.remove();
    if (document.getElementById('signed-out')) return;
    const notice = document.createElement('p');
    notice.id = 'signed-out';
    notice.className = 'outcome refused';
    notice.setAttribute('role', 'alert');
    const link = document.createElement('a');
    link.href = `/sign-in?next=${encodeURIComponent(pagePath)}`;
    link.textContent = 'sign in again';
    notice.append('You are signed out: this page no longer follows the journey — ', link, '.');
    root.querySelector('h1')?.after(notice);
  }

  function swap(next) {
    const noteBefore = newestNote();
    let moved = false;
    for (const selector of ['[data-stage-label]', '[data-stage-code]']) {
      const now = document.querySelector(selector);
      const then = next.querySelector(selector);
      if (now && then && now.textContent !== then.textContent) {
        now.textContent = then.textContent;
        moved = true;
      }
    }
    // The answer at the top was to the page's last form: once the journey has moved on, one the move does not
    // follow from is said to be earlier, and the title no longer leads with it. An accepted code moves the journey
    // on, as said; a pending resend, cancel or removal goes where it said (data-leads-to), and so does a refusal
    // saying the journey ends.
    const answer = document.getElementById('outcome');
    const stage = document.querySelector('[data-stage-code]')?.textContent ?? '';
    const leadsTo = (answer?.getAttribute('data-leads-to') ?? '').split(' ').filter(Boolean);
    if (
      answer &&
      moved &&
      !answer.classList.contains('accepted') &&
      !answer.classList.contains('earlier') &&
      !leadsTo.includes(stage)
    ) {
      answer.classList.add('earlier');
      answer.prepend('Earlier — ');
      document.title = document.title.replace(/^(refused|pending) · /, '');
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
      const typed = typedIn(current);
      const adopted = document.adoptNode(part);
      current.replaceWith(adopted);
      localTimes(adopted);
      // A form that is still there (the cancel form across stages) keeps what was typed in it, and the focus.
      const refocused = restore(adopted, typed, focused);
      if (current.contains(focused) && !refocused) lostFocus = true;
    }
    if (lostFocus) document.querySelector('.stage')?.focus();
    const note = newestNote();
    if (note && note !== noteBefore) news.textContent = `New note: ${note.replace(/\s+/g, ' ')}`;
  }

  /** A control by its form's action and its name: the same in the section that replaces it. */
  const keyOf = (control) => `${control.form?.getAttribute('action') ?? ''} ${control.name}`;

  /** What was typed or chosen in a section's forms (not a PIN: a password field is left empty, as the server does). */
  function typedIn(section) {
    const typed = new Map();
    for (const control of section.querySelectorAll('input:not([type=hidden]):not([type=password]), select, textarea')) {
      const initial =
        control instanceof HTMLSelectElement
          ? ([...control.options].find((option) => option.defaultSelected) ?? control.options[0])?.value
          : control.defaultValue;
      // The focused control too, typed in or not: the focus goes back to it (its value only if typed). A box's
      // value never changes: whether it is ticked does.
      const box = control instanceof HTMLInputElement && control.type === 'checkbox';
      const changed = box ? control.checked !== control.defaultChecked : control.value !== initial;
      if (control.name && (changed || control === document.activeElement)) {
        typed.set(keyOf(control), { control, changed });
      }
    }
    return typed;
  }

  /** Puts typed values back into the same forms' controls; answers whether the focused one is focused again. */
  function restore(section, typed, focused) {
    let refocused = false;
    for (const control of section.querySelectorAll('input, select, textarea')) {
      const { control: before, changed } = typed.get(keyOf(control)) ?? {};
      if (!before) continue;
      if (changed && before.type === 'checkbox') control.checked = before.checked;
      else if (changed) control.value = before.value;
      if (before === focused) {
        control.focus();
        if (typeof before.selectionStart === 'number') {
          control.setSelectionRange(before.selectionStart, before.selectionEnd);
        }
        refocused = true;
      }
    }
    return refocused;
  }

  // A browser keeps at most six connections to a host over HTTP/1.1, and each stream holds one for as long as it is
  // open: six pages following journeys left a seventh, and any form sent, waiting until one closed. A page follows
  // its journey while it is shown; hidden (another tab, a minimised window) it lets its stream go, and shown again it
  // opens a new one, whose first view reads the page again if the journey moved meanwhile.
  const POLL_MS = 15_000;
  /** Refused, the stream is tried again every this many reads of the page (a minute): a page closed frees one. */
  const RETRY_EVERY = 4;
  const eventsPath = root.getAttribute('data-events');
  const SIGNED_OUT = 'signed out';
  /** A stream refused again this soon after a probe said it would open is taken as refused: no retry loop. */
  const RETRY_SOON_MS = 10_000;
  /** How long a lost stream may reconnect unseen before the page says it does not follow live. */
  const RECONNECT_GRACE_MS = 5_000;
  let reconnecting = null;
  let lastOpenProbe = -Infinity;
  let source = null;
  let polling = null;
  let refusing = false; // a refusal is being looked into: nothing is opened meanwhile
  let stopped = false; // signed out, or the journey ended: nothing more to follow
  function follow() {
    if (source || polling || refusing || stopped || document.hidden) return;
    const stream = new EventSource(eventsPath);
    source = stream;
    // The stream refused: signed out or the session's time is up (reading the page tells), the service would not
    // open one more for this principal, or it is unavailable; a lost connection is reopened by the browser itself.
    stream.addEventListener('error', () => {
      if (source !== stream) return;
      if (stream.readyState === EventSource.CLOSED) return void refused();
      // Reconnecting (the service's replica went away, say): the browser retries unseen, the page showing a stage
      // that may be past — after a moment, it is taken as refused (said, and the page read every 15 s meanwhile).
      reconnecting ??= setTimeout(() => {
        reconnecting = null;
        if (source === stream && stream.readyState !== EventSource.OPEN) void refused();
      }, RECONNECT_GRACE_MS);
    });
    stream.addEventListener('open', () => {
      clearTimeout(reconnecting);
      reconnecting = null;
    });
    // A view comes first on every connection: the journey may have moved on since the page was made (or while the
    // stream was closed or reconnecting), so the page is read again unless it shows that stage and those notes already.
    stream.addEventListener('view', (event) => {
      document.getElementById('not-live')?.remove(); // following live again
      const view = JSON.parse(event.data);
      const stage = document.querySelector('[data-stage-code]');
      const notes = document.querySelectorAll('#notes li').length;
      if (!stage || stage.textContent !== view.stage || notes !== view.notes.length) void refresh();
    });
    stream.addEventListener('stage', () => void refresh());
    stream.addEventListener('call', () => void refresh()); // a Graph call Temporal retries: its panel
    stream.addEventListener('note', () => void refresh());
    stream.addEventListener('end', () => {
      stopFollowing();
      void refresh();
    });
  }
  function unfollow() {
    source?.close();
    source = null;
    clearTimeout(reconnecting);
    reconnecting = null;
  }
  function stopPolling() {
    clearInterval(polling);
    polling = null;
  }
  function stopFollowing() {
    stopped = true;
    unfollow();
    stopPolling();
  }

  /**
   * A stream refused: why is asked of the service (an EventSource is told nothing), the page read again (a sign-out
   * ends here), and meanwhile the page says so and is read every 15 s while shown, the stream tried again each minute.
   */
  async function refused() {
    unfollow();
    if (refusing) return;
    refusing = true;
    const probed = await refusalOf();
    await refresh();
    refusing = false;
    if (probed === SIGNED_OUT) return signedOut();
    if (stopped) return; // signed out, or ended
    // It opens now: a moment's refusal — unless one was let go this way just before (the stream refused again).
    const justTried = Date.now() - lastOpenProbe < RETRY_SOON_MS;
    if (probed === null) lastOpenProbe = Date.now();
    if (probed === null && !justTried) return follow();
    tell(probed ?? 'the service refused its stream');
    stopPolling();
    let reads = 0;
    polling = setInterval(() => {
      if (document.hidden) return;
      reads += 1;
      if (reads % RETRY_EVERY !== 0) return void refresh();
      stopPolling();
      follow(); // refused again, it comes back here
    }, POLL_MS);
  }

  /**
   * Why the service refuses the stream now, in words; null when it would open it. Asked by HEAD (the stream's answer,
   * no stream held), bounded in time.
   */
  async function refusalOf() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    try {
      const response = await fetch(eventsPath, {
        method: 'HEAD',
        headers: { accept: 'text/event-stream' },
        credentials: 'same-origin',
        signal: controller.signal,
      });
      if (response.redirected || response.status === 401) return SIGNED_OUT;
      if (response.ok) return null;
      if (response.status === 429) return 'too many pages follow journeys for you: close some';
      if (response.status === 503) return 'the service cannot answer for the journey now';
      return `the service answered ${response.status}`;
    } catch {
      return 'the service cannot be reached';
    } finally {
      clearTimeout(timer);
    }
  }

  function tell(why) {
    const notice = document.getElementById('not-live') ?? document.createElement('p');
    notice.id = 'not-live';
    notice.className = 'outcome refused';
    notice.setAttribute('role', 'status');
    notice.textContent = `This page does not follow the journey live now (${why}): it is read again every ${POLL_MS / 1000} s, and follows it live again once it can.`;
    if (!notice.isConnected) root.querySelector('h1')?.after(notice);
  }
  document.addEventListener('visibilitychange', () => (document.hidden ? unfollow() : follow()));
  follow();
})();
