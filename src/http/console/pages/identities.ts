// A live number's customers whose identity changed (Meta's 137000): where each stands, and for an operator or admin
// the form that confirms one re-verified outside WhatsApp — how it was checked and an optional note, the actor being
// the signed-in principal. Nothing here shows a hash: the store's detail names prefixes only. A customer who never
// answers stays untrusted for good, so the page shows the latest few (each with a form, rebuilt on every live
// event) and points to the CLI and the API for the rest.
import { verificationMethods, type VerificationMethod } from '../../../domain/identity.js';
import { sendsMessages, type JourneyView } from '../../../domain/journey.js';
import type { TrustState, UntrustedCustomer } from '../../../stores/identity-store.js';
import { holdsAny, permissions, type Principal } from '../../auth/principals.js';
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { time } from '../labels.js';
import { actionName, actionPath, confirmationAction } from '../paths.js';
import { described, keptValue, submissionInput, type Kept } from './forms.js';
import type { PageContext } from './layout.js';

/** How many untrusted customers a number's page shows, the latest change of state first. */
export const CUSTOMERS_SHOWN = 50;

/** The customers a page shows and how many are untrusted in all. */
export interface CustomersShown {
  customers: UntrustedCustomer[];
  total: number;
}

const stateLabels: Record<TrustState, string> = {
  untrusted: 'untrusted: sends are refused until someone confirms who they are',
  confirmed: 'confirmed: the next send goes without the identity hash',
  verifying: 'confirmed: waiting for the status of the send without the hash to bring the new one',
};

const methodLabels: Record<(typeof verificationMethods)[number], string> = {
  phone_call: 'phone call',
  email: 'email',
  in_person: 'in person',
  video_call: 'video call',
  sms: 'SMS',
  other: 'other',
};

/**
 * The section; an empty, hidden one where it has no place yet (a number not live, a service without an identity
 * store), so the live script can put it in once the number is live. Its `data-stage` names the customers and where
 * they stand: the live script replaces it only when that changed, never under a person typing a confirmation.
 */
export function customersSection(
  context: PageContext,
  principal: Principal,
  view: JourneyView,
  shown: CustomersShown | null,
  kept: Kept = {},
): Html {
  if (shown === null || !sendsMessages(view)) {
    return html`<section id="customers" data-live data-stage="" hidden></section>`;
  }
  const { customers, total } = shown;
  const operates = holdsAny(principal, permissions.operate);
  const more = total - customers.length;
  const standing =
    (customers.map((customer) => `${customer.waId}:${customer.state}`).join(' ') || 'none') +
    (more > 0 ? ` +${more}` : '');
  return html`<section id="customers" aria-labelledby="customers-title" data-live data-stage="${standing}">
    <h2 id="customers-title">Customers whose identity changed</h2>
    ${
      customers.length === 0
        ? html`<p>None: every customer of this number is trusted.</p>`
        : html`<ul class="customers">
            ${customers.map((customer) => customerItem(context, view, customer, operates, kept))}
          </ul>`
    }
    ${
      more > 0
        ? html`<p class="help">
            And ${more} more, not shown here: see <code>numberflow identity list ${view.e164}</code> or
            <code>GET /v1/numbers/${view.e164}/identities</code>.
          </p>`
        : null
    }
  </section>`;
}

const methodOption = (method: VerificationMethod, selected: boolean) =>
  selected
    ? html`<option value="${method}" selected>${methodLabels[method]}</option>`
    : html`<option value="${method}">${methodLabels[method]}</option>`;

function customerItem(
  context: PageContext,
  view: JourneyView,
  customer: UntrustedCustomer,
  operates: boolean,
  kept: Kept,
): Html {
  const action = confirmationAction(customer.waId);
  const id = `confirm-${customer.waId}`;
  const chosen = kept.action === action ? kept.method : undefined;
  // Named by its button, as the other action forms are; the wa_id tells one customer's form from the next.
  const button = `Confirm customer ${customer.waId}`;
  return html`<li>
    <p>
      <strong>${customer.waId}</strong> · ${stateLabels[customer.state]} · since ${time(customer.since)}<br />
      <span class="help">${customer.detail}</span>
    </p>
    ${
      operates && customer.state === 'untrusted'
        ? html`<form
            method="post"
            action="${actionPath(view.e164, action)}"
            class="stack action primary"
            aria-label="${button}"
          >
            <input type="hidden" name="${CSRF_FIELD}" value="${context.csrf(actionName(view.e164, action))}" />
            ${submissionInput(context)}
            ${
              // The change this page shows: a page left open must not confirm a later one nobody re-verified.
              html`<input type="hidden" name="since" value="${customer.since}" />`
            }
            <label for="${id}-method">How you re-verified ${customer.waId} outside WhatsApp</label>
            <select id="${id}-method" name="method" required ${described(kept, action, 'method')}>
              ${
                // No method is chosen for the operator: the audit records the one they pick.
                chosen === undefined ? html`<option value="" selected disabled>choose how</option>` : null
              }
              ${verificationMethods.map((method) => methodOption(method, chosen === method))}
            </select>
            <label for="${id}-note">What you checked (optional, no secrets)</label>
            <input
              id="${id}-note"
              name="note"
              maxlength="500"
              autocomplete="off"
              value="${keptValue(kept, action, 'note')}"
              ${described(kept, action, 'note')}
            />
            <button type="submit">${button}</button>
          </form>`
        : null
    }
  </li>`;
}
