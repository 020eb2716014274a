// Sales's sections: the contacts list with search, a contact's page, and the sales queue.
// Everything the API says is shown through textContent; decisions go to the journey through
// `POST /v1/contacts/{id}/events`, which moves the stage a moment later: the page waits for it.
(() => {
  const { $, api, identity, register } = window.leadflowAdmin;

  /** Reason codes a rep picks from when rejecting a lead or losing a deal (short codes a report can group by). */
  const reasons = [
    ['no_budget', 'No budget'],
    ['not_a_fit', 'Not a fit'],
    ['no_authority', 'Not the decision maker'],
    ['bad_timing', 'Bad timing'],
    ['unreachable', 'Could not reach'],
    ['competitor', 'Chose a competitor'],
    ['duplicate', 'Duplicate'],
    ['other', 'Other'],
  ];
  const reasonLabels = new Map(reasons);
  const decisionLabels = new Map([
    ['sales_accepted', 'Accepted'],
    ['sales_rejected', 'Rejected'],
    ['won', 'Won'],
    ['lost', 'Lost'],
  ]);

  const cell = (content, className) => {
    const td = document.createElement('td');
    if (content instanceof Node) td.append(content);
    else td.textContent = content ?? '';
    if (className) td.className = className;
    return td;
  };
  const rowOf = (...cells) => {
    const tr = document.createElement('tr');
    tr.append(...cells.map((content) => (content instanceof HTMLTableCellElement ? content : cell(content))));
    return tr;
  };
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
  const nameOf = (contact) => [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  const stageText = (stage) => (stage ?? '').replaceAll('_', ' ');
  const contactLink = (contact) => {
    const link = document.createElement('a');
    link.href = `#contact/${encodeURIComponent(contact.contactId)}`;
    link.textContent = nameOf(contact) || contact.email;
    return link;
  };
  const reasonSelect = (select) => {
    select.replaceChildren(
      new Option('Reason…', ''),
      ...reasons.map(([code, label]) => new Option(label, code)),
    );
    return select;
  };
  const problemOf = (body, fallback) =>
    [
      body?.error?.message ?? fallback,
      ...(body?.error?.issues ?? []).map((i) => `${i.path}: ${i.message}`),
    ].join(' · ');

  /**
   * "2d 4h left", "5h 10m left", or "overdue by 3h 0m": how long sales still has to answer, as of
   * the API's own time (`asOf`), which a local runtime's clock may run ahead of this browser's.
   */
  const timeLeft = (dueAt, asOf) => {
    const ms = Date.parse(dueAt) - (asOf ? Date.parse(asOf) : Date.now());
    const minutes = Math.floor(Math.abs(ms) / 60_000);
    const [days, hours] = [Math.floor(minutes / 1440), Math.floor(minutes / 60) % 24];
    const span = days > 0 ? `${days}d ${hours}h` : `${hours}h ${minutes % 60}m`;
    return { overdue: ms < 0, text: ms < 0 ? `overdue by ${span}` : `${span} left` };
  };

  /**
   * Posts a sales decision, then waits (briefly) for the journey to move the stage, so what is
   * shown next is the contact as it now stands. Answers `{ ok, message }`.
   */
  const decide = async (contactId, type, { reason, note } = {}) => {
    const path = `/v1/contacts/${encodeURIComponent(contactId)}`;
    const before = (await api(path)).body?.stageHistory?.length ?? 0;
    const { status, body } = await api(`${path}/events`, {
      method: 'POST',
      // Retried by the browser, the same event id counts once.
      body: { type, eventId: crypto.randomUUID(), ...(reason ? { reason } : {}), ...(note ? { note } : {}) },
    });
    if (status === 409) {
      return {
        ok: false,
        message: `Not recorded: ${body?.error?.message ?? 'the decision does not fit the stage'}. Someone may have decided already; this shows the contact as it is now.`,
      };
    }
    if (status !== 202) return { ok: false, message: problemOf(body, 'The decision was not recorded.') };
    for (let attempt = 0; attempt < 40; attempt++) {
      const now = (await api(path)).body;
      if ((now?.stageHistory?.length ?? 0) > before) return { ok: true };
      await new Promise((done) => setTimeout(done, 250));
    }
    return { ok: true, message: 'Recorded; the journey has not moved the contact yet.' };
  };

  // ---- Contacts list ----

  const list = { stagesLoaded: false, cursor: null, query: '' };

  const loadStages = async () => {
    // The funnel report names every stage in funnel order: the filter offers the same.
    const { body } = await api('/v1/reports/funnel');
    $('contact-stage').append(
      ...Object.keys(body?.stages ?? {}).map((stage) => new Option(stageText(stage), stage)),
    );
  };

  const listQuery = () => {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData($('contact-filters'))) {
      if (String(value).trim()) params.set(name, String(value).trim());
    }
    return params;
  };

  const renderRows = (items) =>
    items.map((contact) => {
      const tr = rowOf(
        cell(contactLink(contact)),
        contact.company,
        stageText(contact.stage),
        String(contact.score),
        contact.channel,
        when(contact.createdAt),
      );
      tr.dataset.contactId = contact.contactId;
      if (nameOf(contact)) tr.cells[0].append(document.createElement('br'), contact.email);
      return tr;
    });

  const loadContacts = async (more = false) => {
    $('contact-list-error').textContent = '';
    if (!more) list.query = listQuery().toString();
    const params = new URLSearchParams(list.query);
    if (more && list.cursor) params.set('cursor', list.cursor);
    const { status, body } = await api(`/v1/contacts?${params}`);
    if (status !== 200) {
      $('contact-list-error').textContent = problemOf(body, 'The contacts could not be listed.');
      return;
    }
    const rows = renderRows(body.items);
    if (more) $('contact-rows').append(...rows);
    else $('contact-rows').replaceChildren(...rows);
    list.cursor = body.nextCursor;
    $('contact-more').hidden = !list.cursor;
    $('contact-list-empty').hidden = $('contact-rows').rows.length > 0;
  };

  // ---- A contact's page ----

  let shown = null;

  const fill = (id, rows) => $(id).replaceChildren(...rows);

  const renderProfile = (contact) => {
    const facts = [
      ['Email', contact.email],
      ['Company', contact.company],
      ['Job title', contact.jobTitle],
      ['Phone', contact.phone],
      ['Score', String(contact.score)],
      ['Buying stage', stageText(contact.buyingStage)],
      ['Marketing email', contact.consent?.marketing ? 'yes' : 'no'],
      ['First came from', contact.attribution?.first?.where?.channel],
      ['Created', when(contact.createdAt)],
    ];
    fill(
      'contact-profile',
      facts
        .filter(([, value]) => value)
        .map(([label, value]) => {
          const item = document.createElement('div');
          const [dt, dd] = [document.createElement('dt'), document.createElement('dd')];
          dt.textContent = label;
          dd.textContent = value;
          item.append(dt, dd);
          return item;
        }),
    );
  };

  const journeyLine = (contact) => {
    const journey = contact.journey;
    const parts = journey
      ? [
          journey.track ? `On the ${journey.track} track` : 'On no email track',
          `in ${stageText(contact.stage)} since ${when(journey.stageSince)}`,
        ]
      : ['The journey has not taken its first step yet'];
    if (contact.stalled) {
      parts.push(
        `STALLED since ${when(contact.stalled.at)}: ${contact.stalled.error} ${contact.stalled.cause}`.trim(),
      );
    }
    if (contact.stalledCount) parts.push(`stalled ${contact.stalledCount} time(s) so far`);
    return parts.join(' · ');
  };

  const whyText = (change) =>
    [change.reason, reasonLabels.get(change.decisionReason) ?? change.decisionReason, change.decisionNote]
      .filter(Boolean)
      .join(' · ');

  const whereText = (where = {}) =>
    [where.channel, where.utm_source, where.utm_medium, where.utm_campaign, where.referrer, where.landingPage]
      .filter(Boolean)
      .join(' · ');

  const renderScore = (explanation) => {
    $('contact-score').hidden = !explanation;
    if (!explanation) return;
    const { thresholds } = explanation;
    $('contact-score-summary').textContent =
      `Score ${explanation.score} as of ${when(explanation.asOf)} (lead at ${thresholds.lead}, sales lead at ${thresholds.salesLead})`;
    fill(
      'contact-score-causes',
      explanation.causes.map((cause) =>
        rowOf(cause.cause, cause.label, cell(String(cause.points), 'number'), when(cause.at)),
      ),
    );
    const fit = explanation.fit;
    $('contact-fit').textContent =
      fit.result === 'none'
        ? 'Fit: no fit rule matches yet'
        : `Fit: ${fit.result === 'target' ? 'fits' : 'not a fit'} (${fit.rule})`;
  };

  const renderDecisions = (contact) => {
    const fitting = new Set(contact.decisions ?? []);
    $('contact-decisions').hidden = fitting.size === 0;
    for (const button of $('contact-decisions').querySelectorAll('[data-decision]')) {
      button.hidden = !fitting.has(button.dataset.decision);
      button.disabled = false;
    }
    const withReason = fitting.has('sales_rejected') || fitting.has('lost');
    $('decision-reason').hidden = !withReason;
    $('decision-reason').value = '';
    $('decision-note').value = '';
  };

  const renderContact = (contact) => {
    shown = contact;
    $('contact-title').textContent = nameOf(contact) || contact.email;
    $('contact-stage-now').textContent = stageText(contact.stage);
    const due =
      contact.salesAnswerDueAt && timeLeft(contact.salesAnswerDueAt, contact.scoreExplanation?.asOf);
    $('contact-due').textContent = due
      ? `Sales answer due ${when(contact.salesAnswerDueAt)} (${due.text})`
      : '';
    $('contact-due').classList.toggle('overdue', Boolean(due?.overdue));
    renderProfile(contact);
    renderDecisions(contact);
    $('contact-journey').textContent = journeyLine(contact);
    $('contact-journey').classList.toggle('overdue', Boolean(contact.stalled));
    fill(
      'contact-history',
      [...(contact.stageHistory ?? [])]
        .reverse()
        .map((change) =>
          rowOf(
            when(change.at),
            stageText(change.from),
            stageText(change.to),
            whyText(change),
            change.by ?? '',
          ),
        ),
    );
    renderScore(contact.scoreExplanation);
    fill(
      'contact-touches',
      (contact.touches ?? []).map((touch) =>
        rowOf(
          when(touch.receivedAt),
          whereText(touch.where),
          [touch.what?.kind, touch.what?.form].filter(Boolean).join(' · '),
          [touch.why?.offer?.type, touch.why?.offer?.id, stageText(touch.buyingStage)]
            .filter(Boolean)
            .join(' · '),
        ),
      ),
    );
    fill(
      'contact-emails',
      (contact.emails ?? []).map((email) =>
        rowOf(
          when(email.sentAt ?? email.claimedAt),
          email.round > 1 ? `${email.track} (pass ${email.round})` : email.track,
          email.step ?? 'reply to a request',
          email.template ? `${email.template.name} v${email.template.version ?? '?'}` : '',
          cell(email.status, `status status-${email.status}`),
        ),
      ),
    );
    fill(
      'contact-consents',
      (contact.consentRecords ?? []).map((record) =>
        rowOf(
          when(record.at),
          record.action,
          record.method,
          [record.wording, record.form].filter(Boolean).join(' · '),
        ),
      ),
    );
    $('contact-erase').hidden = !identity().groups.includes('admin');
    $('erase-confirm').hidden = true;
    $('erase-start').hidden = false;
  };

  const openContact = async (contactId) => {
    $('contact-list-panel').hidden = true;
    $('erase-receipt').hidden = true;
    $('contact-page').hidden = false;
    $('contact-error').textContent = '';
    $('decision-status').textContent = '';
    const { status, body } = await api(`/v1/contacts/${encodeURIComponent(contactId)}`);
    if (status !== 200) {
      shown = null;
      $('contact-title').textContent = 'Contact';
      $('contact-error').textContent =
        status === 404 ? 'There is no such contact.' : problemOf(body, 'Not loaded.');
      return;
    }
    renderContact(body);
  };

  const decideOnPage = async (type) => {
    const reason = $('decision-reason').value;
    const needsReason = type === 'sales_rejected' || type === 'lost';
    $('contact-error').textContent = '';
    if (needsReason && !reason) {
      $('contact-error').textContent = 'Choose a reason first.';
      $('decision-reason').focus();
      return;
    }
    const { contactId } = shown;
    for (const button of $('contact-decisions').querySelectorAll('button')) button.disabled = true;
    $('decision-status').textContent = 'Recording…';
    const outcome = await decide(contactId, type, {
      reason: needsReason ? reason : undefined,
      note: $('decision-note').value.trim(),
    });
    await openContact(contactId);
    $('decision-status').textContent = outcome.ok
      ? `${decisionLabels.get(type)}. ${outcome.message ?? ''}`.trim()
      : '';
    if (!outcome.ok) $('contact-error').textContent = outcome.message;
  };

  const erase = async () => {
    const { contactId } = shown;
    const { status, body } = await api(`/v1/contacts/${encodeURIComponent(contactId)}`, {
      method: 'DELETE',
      // The receipt instead of an empty 204.
      headers: { prefer: 'return=representation' },
    });
    if (status !== 200) {
      $('contact-error').textContent = problemOf(body, 'The contact was not erased.');
      return;
    }
    $('contact-page').hidden = true;
    const receipt = $('erase-receipt');
    const heading = document.createElement('h2');
    heading.textContent = 'Contact erased';
    const line = document.createElement('p');
    const by = body.erasedBy ? (body.erasedBy.email ?? body.erasedBy.sub) : 'unknown';
    line.textContent = `Contact ${body.contactId} was erased by ${by} at ${when(body.erasedAt)}. Only an anonymous proof of its consent is kept.`;
    const back = document.createElement('a');
    back.href = '#contacts';
    back.textContent = '← Contacts';
    receipt.replaceChildren(heading, line, back);
    receipt.hidden = false;
    shown = null;
  };

  // ---- Sales queue ----

  const loadQueue = async () => {
    $('queue-error').textContent = '';
    const items = [];
    let cursor = null;
    // Sales leads are few (unanswered ones are recycled within days): the queue shows them all.
    do {
      const params = new URLSearchParams({ stage: 'sales_lead', sort: 'oldest', limit: '200' });
      if (cursor) params.set('cursor', cursor);
      const { status, body } = await api(`/v1/contacts?${params}`);
      if (status !== 200) {
        $('queue-error').textContent = problemOf(body, 'The queue could not be loaded.');
        return;
      }
      items.push(...body.items.map((item) => ({ ...item, asOf: body.asOf })));
      cursor = body.nextCursor;
    } while (cursor && items.length < 1000);
    items.sort((a, b) => (a.salesAnswerDueAt ?? '').localeCompare(b.salesAnswerDueAt ?? ''));
    $('queue-count').textContent = `${items.length} waiting`;
    $('queue-empty').hidden = items.length > 0;
    $('queue-rows').replaceChildren(...items.map(queueRow));
  };

  const queueRow = (lead) => {
    const due = lead.salesAnswerDueAt
      ? timeLeft(lead.salesAnswerDueAt, lead.asOf)
      : { overdue: false, text: '' };
    const left = cell(due.text, due.overdue ? 'overdue' : '');
    if (lead.salesAnswerDueAt) left.title = `Due ${when(lead.salesAnswerDueAt)}`;
    const actions = document.createElement('div');
    actions.className = 'decisions';
    const reason = reasonSelect(document.createElement('select'));
    reason.setAttribute('aria-label', 'Reason');
    const accept = document.createElement('button');
    accept.type = 'button';
    accept.className = 'primary';
    accept.dataset.decision = 'sales_accepted';
    accept.textContent = 'Accept';
    const reject = document.createElement('button');
    reject.type = 'button';
    reject.dataset.decision = 'sales_rejected';
    reject.textContent = 'Reject';
    const status = document.createElement('span');
    status.className = 'muted';
    status.setAttribute('aria-live', 'polite');
    actions.append(accept, reason, reject, status);
    const tr = rowOf(
      cell(contactLink(lead)),
      lead.company,
      cell(String(lead.score), 'number'),
      left,
      cell(actions),
    );
    tr.dataset.contactId = lead.contactId;

    const act = async (type) => {
      if (type === 'sales_rejected' && !reason.value) {
        status.textContent = 'Choose a reason to reject.';
        reason.focus();
        return;
      }
      for (const control of [accept, reject, reason]) control.disabled = true;
      status.textContent = 'Recording…';
      const outcome = await decide(lead.contactId, type, {
        reason: type === 'sales_rejected' ? reason.value : undefined,
      });
      if (!outcome.ok) {
        status.textContent = outcome.message;
        for (const control of [accept, reject, reason]) control.disabled = false;
        return;
      }
      await loadQueue();
    };
    accept.addEventListener('click', () => act('sales_accepted'));
    reject.addEventListener('click', () => act('sales_rejected'));
    return tr;
  };

  // ---- Wiring ----

  reasonSelect($('decision-reason'));
  $('contact-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadContacts();
  });
  $('contact-more').addEventListener('click', () => loadContacts(true));
  $('contact-rows').addEventListener('click', (event) => {
    const row = event.target.closest('tr');
    if (row?.dataset.contactId && !event.target.closest('a')) {
      window.location.hash = `#contact/${encodeURIComponent(row.dataset.contactId)}`;
    }
  });
  $('contact-decisions').addEventListener('click', (event) => {
    const type = event.target.closest('[data-decision]')?.dataset.decision;
    if (type && shown) decideOnPage(type);
  });
  $('erase-start').addEventListener('click', () => {
    $('erase-start').hidden = true;
    $('erase-confirm').hidden = false;
    $('erase-no').focus();
  });
  $('erase-no').addEventListener('click', () => {
    $('erase-confirm').hidden = true;
    $('erase-start').hidden = false;
  });
  $('erase-yes').addEventListener('click', erase);

  register({
    tab: 'tab-contacts',
    panel: 'contacts-view',
    hashes: ['contacts', 'contact'],
    roles: ['sales', 'admin'],
    // `#contacts` is the list, `#contact/ID` one contact's page.
    show([contactId]) {
      if (contactId) {
        openContact(contactId);
        return;
      }
      $('contact-page').hidden = true;
      $('erase-receipt').hidden = true;
      $('contact-list-panel').hidden = false;
      // Its filters are kept; its rows read again, as decisions and erasures change them.
      if (!list.stagesLoaded) {
        list.stagesLoaded = true;
        loadStages();
      }
      loadContacts();
    },
  });
  register({
    tab: 'tab-queue',
    panel: 'queue-view',
    hashes: ['queue'],
    roles: ['sales', 'admin'],
    show() {
      // Rows from the last visit are stale: none is offered for a decision until the queue is read again.
      $('queue-rows').replaceChildren();
      $('queue-count').textContent = 'Loading…';
      loadQueue();
    },
  });
})();
