// Fills the attribution fields from the page's address, and posts the form without a page load so
// validation errors show next to their fields.
(() => {
  const form = document.getElementById('lead-form');
  // Without this script the browser checks the required address itself; with it, the intake's own
  // answer is shown next to each field.
  form.noValidate = true;
  const params = new URLSearchParams(window.location.search);
  for (const name of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content']) {
    const value = params.get(name);
    if (value) form.elements[name].value = value;
  }
  form.elements.referrer.value = document.referrer;
  form.elements.landingPage.value = window.location.origin + window.location.pathname;
  // Send windows are read in the contact's own time zone when it is known.
  form.elements['fields[timezone]'].value = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';

  // In AWS the page comes from CloudFront and the API has its own host: the deployment's
  // config.json says where. Locally there is none, and the form posts to its own origin.
  const intakeUrl = fetch('/config.json')
    .then((response) => (response.ok ? response.json() : {}))
    .then((config) => (config.apiUrl ? new URL('v1/contacts', config.apiUrl).href : form.action))
    .catch(() => form.action);

  const formError = document.getElementById('form-error');
  const clearErrors = () => {
    formError.textContent = '';
    for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
    for (const message of form.querySelectorAll('.field-error')) message.textContent = '';
  };
  const showIssue = (path, message) => {
    const name = path.split('.')[0];
    const slot = document.getElementById(`${name}-error`);
    const field = form.elements[name];
    if (!slot || !field) return false;
    slot.textContent = `${field.labels?.[0]?.textContent?.replace('*', '').trim() ?? name} ${message}`;
    field.setAttribute('aria-invalid', 'true');
    return true;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const body = new URLSearchParams(new FormData(form));
      // An unticked box sends nothing, as a plain form post does: it is no withdrawal of consent.
      for (const [key, value] of [...body]) if (value === '') body.delete(key);
      const response = await fetch(await intakeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status === 202) {
        // What the intake says will happen, for the thank-you page to tell the visitor.
        try {
          sessionStorage.setItem('leadflow:next', JSON.stringify(answer.next ?? null));
        } catch {
          // Storage off: the thank-you page says only that the details arrived.
        }
        window.location.assign('/thanks');
        return;
      }
      const issues = answer.error?.issues ?? [];
      const shown = issues.filter((issue) => showIssue(issue.path, issue.message));
      if (shown.length < issues.length || issues.length === 0) {
        formError.textContent = answer.error?.message ?? 'Something went wrong. Please try again.';
      }
      form.querySelector('[aria-invalid="true"]')?.focus();
    } catch {
      formError.textContent = 'We could not reach the server. Please try again.';
    } finally {
      button.disabled = false;
    }
  });
})();
