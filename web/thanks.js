// Says what will happen for the submission just made, as the intake answered it (`next` in its 202,
// kept by landing.js for this tab): which email is on its way, whether a confirmation is needed,
// whether sales will be in touch. The intake works that out from the submission alone, so the page
// says the same whether the address was known or not.
(() => {
  let next;
  try {
    next = JSON.parse(sessionStorage.getItem('leadflow:next') ?? 'null');
  } catch {
    next = null;
  }
  if (!next || typeof next !== 'object') return;

  const inbox = ' If it has not arrived in a few minutes, check your spam folder.';
  const emails = {
    'requested-content': (title) =>
      `An email with your copy of ${title ?? 'what you asked for'} is on its way.`,
    'webinar-registration': (title) =>
      `You are registered${title ? ` for ${title}` : ''}: an email with the joining details is on its way.`,
    'request-received': () => 'We have your request: an email confirming it is on its way.',
    'confirm-subscription': () => 'An email with a link to confirm your subscription is on its way.',
  };
  const lines = [];
  const email = Object.hasOwn(emails, next.email) ? emails[next.email] : undefined;
  if (email) lines.push(email(typeof next.title === 'string' ? next.title : undefined) + inbox);
  else lines.push('We have your details.');
  if (next.confirmation === true) {
    lines.push(
      next.email === 'confirm-subscription'
        ? 'Click the link in it to start receiving our emails: nothing else arrives until you do. If you confirmed this address before, there is nothing more to do.'
        : 'You also asked for our emails: the same email has a link to confirm that, and nothing else arrives until you click it. If you confirmed this address before, there is nothing more to do.',
    );
  }
  if (next.salesFollowUp === true) {
    lines.push('Someone from our sales team will be in touch to find a time that suits you.');
  }

  const slot = document.getElementById('next');
  slot.replaceChildren(
    ...lines.map((line) => {
      const paragraph = document.createElement('p');
      paragraph.textContent = line;
      return paragraph;
    }),
  );
})();
