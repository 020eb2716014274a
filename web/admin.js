// The marketers' page: sign in (Cognito's hosted UI in AWS, the runtime's own locally, by the same
// authorization-code flow with PKCE; or the local admin token), edit a track's schedule with inline errors,
// preview its impact on contacts in flight, publish, browse versions and roll back, see the funnel;
// write the emails those schedules send: edit a template, preview it for a contact, test-send it,
// publish and roll back. Text from the API is shown through textContent only; a template's HTML
// goes nowhere but the sandboxed preview frame.
(() => {
  const $ = (id) => document.getElementById(id);
  const durationPattern = /^\d+(\.\d+)?\s*[smhdw]$/i;
  const state = {
    token: sessionStorage.getItem('leadflow-admin-token'),
    track: 'nurture',
    schedule: null,
    /** Every template's summary, by name. */
    templates: [],
    /** The template open in the editor as GET answered it; null for one not created yet. */
    template: null,
  };

  /** Where the API and the sign-in are: config.json beside the page, deployed or served locally. */
  let config = { apiUrl: '' };
  const configLoaded = fetch('/config.json')
    .then((response) => (response.ok ? response.json() : {}))
    .then((loaded) => {
      config = { ...config, ...loaded };
    })
    .catch(() => {});
  const authority = () =>
    config.authority ?? (config.cognitoDomain ? `https://${config.cognitoDomain}/oauth2` : undefined);
  const redirectUri = () => `${window.location.origin}/admin`;

  const base64url = (bytes) =>
    btoa(String.fromCharCode(...new Uint8Array(bytes)))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');
  const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

  /** To the sign-in page; it comes back to /admin with a code for this verifier. */
  const startSignIn = async () => {
    await configLoaded;
    if (!authority()) {
      $('sign-in-error').textContent = 'This page has no sign-in configured.';
      return;
    }
    const verifier = randomText();
    const stateValue = randomText();
    // Where to come back to: a link such as the handoff email's `#contact/ID` survives sign-in.
    sessionStorage.setItem(
      'leadflow-pkce',
      JSON.stringify({ verifier, state: stateValue, hash: window.location.hash }),
    );
    const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: redirectUri(),
      scope: 'openid email',
      state: stateValue,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    window.location.assign(`${authority()}/authorize?${params}`);
  };

  /** Back from the sign-in page: the code becomes an ID token, kept for this tab only. */
  const finishSignIn = async () => {
    const query = new URLSearchParams(window.location.search);
    const code = query.get('code');
    if (!code) return;
    const pending = JSON.parse(sessionStorage.getItem('leadflow-pkce') ?? 'null');
    const back = typeof pending?.hash === 'string' && /^#[\w/-]*$/.test(pending.hash) ? pending.hash : '';
    history.replaceState(null, '', `/admin${back}`);
    sessionStorage.removeItem('leadflow-pkce');
    if (!pending || pending.state !== query.get('state')) {
      $('sign-in-error').textContent = 'That sign-in did not start here; sign in again.';
      return;
    }
    const response = await fetch(`${authority()}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: config.clientId,
        code,
        redirect_uri: redirectUri(),
        code_verifier: pending.verifier,
      }),
    });
    const tokens = response.ok ? await response.json() : undefined;
    if (!tokens?.id_token) {
      $('sign-in-error').textContent = 'The sign-in could not be completed; try again.';
      return;
    }
    state.token = tokens.id_token;
    sessionStorage.setItem('leadflow-admin-token', state.token);
  };

  /** Who is signed in, read from the ID token (the API checks it; this only shapes the page). */
  const identity = () => {
    const payload = state.token?.split('.')[1];
    if (!payload) return { name: 'local admin', groups: ['admin'] };
    try {
      const claims = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')));
      return { name: claims.email ?? claims.sub, groups: claims['cognito:groups'] ?? [] };
    } catch {
      return { name: 'local admin', groups: ['admin'] };
    }
  };

  /** A version as the lists show it: its number, when, who published it, and the note they gave. */
  const versionLine = (version) => {
    const when = version.version === 0 ? 'built-in' : new Date(version.updatedAt).toLocaleString();
    const by = version.publishedBy ? ` · by ${version.publishedBy.email ?? version.publishedBy.sub}` : '';
    const note = version.note ? ` · “${version.note}”` : '';
    return `v${version.version} · ${when}${by}${note}`;
  };

  const api = async (path, options = {}) => {
    await configLoaded;
    const headers = { authorization: `Bearer ${state.token}`, ...(options.headers ?? {}) };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    // The deployed config's apiUrl ends in a slash; paths here begin with one.
    const response = await fetch(`${(config.apiUrl ?? '').replace(/\/$/, '')}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    return { status: response.status, body };
  };

  /** Weekdays as runs: [1,2,3,5] is "1-3,5". */
  const windowText = (window) => {
    if (!window) return '';
    const runs = [];
    for (const day of window.days) {
      const run = runs.at(-1);
      if (run && day === run[1] + 1) run[1] = day;
      else runs.push([day, day]);
    }
    const days = runs.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(',');
    return `${days} ${window.hours.from}-${window.hours.to}`;
  };
  /**
   * "1-3,5 9-17": weekdays as a list of days and ranges (0 is Sunday), then hours. Anything it
   * cannot read whole is undefined (shown inline), never a shorter window.
   */
  const parseWindow = (text) => {
    const match = /^([0-6](?:-[0-6])?(?:,[0-6](?:-[0-6])?)*)\s+(\d{1,2})-(\d{1,2})$/.exec(text.trim());
    if (!match) return undefined;
    const days = [];
    for (const part of match[1].split(',')) {
      const [from, to = from] = part.split('-').map(Number);
      if (to < from) return undefined;
      for (let day = from; day <= to; day++) {
        if (days.includes(day)) return undefined;
        days.push(day);
      }
    }
    return { days, hours: { from: Number(match[2]), to: Number(match[3]) } };
  };

  const clearErrors = () => {
    for (const slot of document.querySelectorAll('#schedules-view .error')) slot.textContent = '';
    for (const field of document.querySelectorAll('#schedules-view [aria-invalid]'))
      field.removeAttribute('aria-invalid');
  };
  const showIssue = (path, message) => {
    const [head, index, field] = path.split('.');
    if (head === 'steps' && index !== undefined) {
      const row = $('steps').rows[Number(index)];
      const name = field ?? 'delay';
      const slot = row?.querySelector(`[data-field="${name}"]`);
      if (slot) {
        slot.textContent = message;
        row.querySelector(`[name="${name}"]`)?.setAttribute('aria-invalid', 'true');
        return;
      }
    }
    const slot = $('schedules-view').querySelector(`[data-issue="${head}"]`) ?? $('schedule-error');
    slot.textContent = slot.id === 'schedule-error' ? `${path}: ${message}` : message;
    if (head === 'timezone') $('timezone').setAttribute('aria-invalid', 'true');
  };
  const showErrorBody = (body) => {
    const issues = body?.error?.issues ?? [];
    if (issues.length === 0) $('schedule-error').textContent = body?.error?.message ?? 'Something went wrong';
    for (const issue of issues) showIssue(issue.path, issue.message);
  };

  const templateLink = (name) => `#template/${encodeURIComponent(name)}`;
  /** Long enough to tell templates apart in a select; the option's title has the rest. */
  const shortText = (text, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

  const addRow = (step) => {
    const row = $('step-row').content.firstElementChild.cloneNode(true);
    const select = row.querySelector('[name="template"]');
    // A schedule step sends marketing email: transactional templates answer requests instead.
    const marketing = state.templates.filter((template) => template.kind === 'marketing');
    for (const template of marketing) {
      const option = new Option(`${template.name} — ${shortText(template.description)}`, template.name);
      option.title = template.description;
      select.add(option);
    }
    row.dataset.id = step.id ?? '';
    row.querySelector('[name="delay"]').value = step.delay ?? '1d';
    select.value = step.template ?? marketing[0]?.name ?? '';
    row.querySelector('.edit-template').href = templateLink(select.value);
    row.querySelector('[name="subject"]').value = step.subject ?? '';
    row.querySelector('[name="window"]').value = windowText(step.window);
    // The page does not edit a window's own time zone; it keeps the one the API has.
    if (step.window?.timezone) row.dataset.windowZone = step.window.timezone;
    $('steps').append(row);
    renumber();
  };
  const renumber = () => {
    [...$('steps').rows].forEach((row, i) => {
      row.querySelector('.index').textContent = String(i + 1);
    });
  };

  /** The draft as the API takes it, or undefined when a field is plainly wrong (shown inline). */
  const draft = () => {
    clearErrors();
    let valid = true;
    const steps = [...$('steps').rows].map((row, i) => {
      const delay = row.querySelector('[name="delay"]').value.trim();
      if (!durationPattern.test(delay)) {
        showIssue(`steps.${i}.delay`, 'must be a duration such as 90m, 36h or 2d');
        valid = false;
      }
      const step = { delay, template: row.querySelector('[name="template"]').value };
      if (row.dataset.id) step.id = row.dataset.id;
      const subject = row.querySelector('[name="subject"]').value.trim();
      if (subject) step.subject = subject;
      const windowValue = row.querySelector('[name="window"]').value.trim();
      if (windowValue) {
        const window = parseWindow(windowValue);
        if (window) {
          step.window = window;
          if (row.dataset.windowZone) window.timezone = row.dataset.windowZone;
        } else {
          showIssue(`steps.${i}.window`, 'write weekdays and hours, e.g. "1-5 9-17" (0 is Sunday)');
          valid = false;
        }
      }
      return step;
    });
    return valid ? { timezone: $('timezone').value.trim() || undefined, steps } : undefined;
  };

  const renderSchedule = (schedule) => {
    state.schedule = schedule;
    $('track-title').textContent = `${schedule.track[0].toUpperCase()}${schedule.track.slice(1)} track`;
    $('version').textContent = `version ${schedule.version}`;
    $('timezone').value = schedule.timezone;
    $('steps').replaceChildren();
    for (const step of schedule.steps) addRow(step);
    $('preview-result').replaceChildren();
    clearErrors();
  };

  const loadVersions = async () => {
    const { body } = await api(`/v1/schedules/${state.track}/versions`);
    $('versions').replaceChildren(
      ...(body?.versions ?? []).map((version) => {
        const item = document.createElement('li');
        item.textContent = `${versionLine(version)} · ${version.steps.length} steps `;
        if (version.version !== state.schedule?.version) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = 'Roll back to this';
          button.addEventListener('click', () =>
            publish({ timezone: version.timezone, steps: version.steps }),
          );
          item.append(button);
        } else item.append('(current)');
        return item;
      }),
    );
  };

  const loadTrack = async (track) => {
    state.track = track;
    for (const button of $('tracks').querySelectorAll('button'))
      button.setAttribute('aria-current', String(button.dataset.track === track));
    const { body } = await api(`/v1/schedules/${track}`);
    renderSchedule(body);
    await loadVersions();
  };

  const publish = async (draftBody) => {
    const note = $('change-note').value.trim();
    const { status, body: answer } = await api(`/v1/schedules/${state.track}`, {
      method: 'PUT',
      headers: { 'if-match': `"${state.schedule.version}"` },
      body: note ? { ...draftBody, note } : draftBody,
    });
    // 202: published; a job is waking the track's contacts (`answer.job`).
    if (status === 200 || status === 202) {
      $('change-note').value = '';
      renderSchedule(answer);
      await loadVersions();
      $('preview-result').textContent = `Published version ${answer.version}.`;
      return;
    }
    if (status === 409) {
      $('schedule-error').textContent =
        'Someone else published a newer version. Reload the track to edit the latest.';
      return;
    }
    showErrorBody(answer);
  };

  const renderPreview = (preview) => {
    const figures = [
      ['Contacts in flight', preview.inFlight],
      ['Emails due at once', preview.dueNow],
      ['Emails in 7 days', preview.next7Days],
      ['Emails in 30 days', preview.next30Days],
      ['Contacts skipping steps', preview.skippingSteps],
    ];
    const list = document.createElement('dl');
    for (const [label, value] of figures) {
      const cell = document.createElement('div');
      cell.innerHTML = '<dt></dt><dd></dd>';
      cell.querySelector('dt').textContent = label;
      cell.querySelector('dd').textContent = String(value);
      list.append(cell);
    }
    const table = document.createElement('table');
    table.className = 'steps';
    table.innerHTML =
      '<thead><tr><th>Contact</th><th>Next send now</th><th>Next send after publishing</th></tr></thead>';
    const describe = (send) => (send ? `${send.stepId} · ${new Date(send.at).toLocaleString()}` : 'none');
    for (const example of preview.examples) {
      const row = table.insertRow();
      row.insertCell().textContent = example.label;
      row.insertCell().textContent = describe(example.current);
      row.insertCell().textContent = describe(example.draft);
    }
    $('preview-result').replaceChildren(list, table);
  };

  const loadFunnel = async () => {
    const { body } = await api('/v1/reports/funnel');
    // The report lists every stage in funnel order.
    const stages = Object.entries(body?.stages ?? {}).filter(([stage]) => stage !== 'awareness');
    const max = Math.max(1, ...stages.map(([, count]) => count));
    $('funnel').replaceChildren(
      ...stages.map(([stage, count]) => {
        const row = document.createElement('div');
        row.className = 'row';
        row.innerHTML = '<span></span><div><div class="bar-fill"></div></div><span></span>';
        row.children[0].textContent = stage.replace('_', ' ');
        row.querySelector('.bar-fill').style.width = `${(count / max) * 100}%`;
        row.children[2].textContent = String(count);
        return row;
      }),
    );
  };

  // ---- Templates ----

  const templateFields = {
    name: $('template-name'),
    kind: $('template-kind'),
    format: $('template-format'),
    description: $('template-description'),
    subject: $('template-subject'),
    preheader: $('template-preheader'),
    body: $('template-body'),
    text: $('template-text'),
    to: $('test-to'),
    contactId: $('preview-contact'),
  };
  const issueSlots = [...$('templates-view').querySelectorAll('[data-issue]')];

  const clearTemplateIssues = () => {
    for (const slot of issueSlots) slot.replaceChildren();
    $('template-error').textContent = '';
    for (const field of Object.values(templateFields)) field.removeAttribute('aria-invalid');
  };

  /** Selects line `line` of a textarea, where an issue points; the browser scrolls to it. */
  const selectLine = (field, line) => {
    const lines = field.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    field.focus();
    field.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };

  /** Each issue beside its field (its message names the line, when it has one); the rest on top. */
  const showTemplateIssues = (body) => {
    const issues = body?.error?.issues ?? [];
    if (issues.length === 0) $('template-error').textContent = body?.error?.message ?? 'Something went wrong';
    for (const issue of issues) {
      const slot = issueSlots.find((candidate) => candidate.dataset.issue === issue.path);
      if (!slot) {
        $('template-error').append(`${issue.path}: ${issue.message}`, document.createElement('br'));
        continue;
      }
      const field = templateFields[issue.path];
      field.setAttribute('aria-invalid', 'true');
      let message;
      if (issue.line && field.tagName === 'TEXTAREA') {
        message = document.createElement('button');
        message.type = 'button';
        message.className = 'issue-line';
        message.title = `Go to line ${issue.line}`;
        message.addEventListener('click', () => selectLine(field, issue.line));
      } else message = document.createElement('p');
      message.textContent = issue.message;
      slot.append(message);
    }
  };

  const renderTemplateList = () => {
    $('template-list').replaceChildren(
      ...state.templates.map((template) => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = templateLink(template.name);
        const name = document.createElement('strong');
        name.textContent = template.name;
        const meta = document.createElement('span');
        meta.className = 'muted meta';
        meta.textContent = `${template.kind} · v${template.version}`;
        const description = document.createElement('span');
        description.className = 'description';
        description.textContent = template.description;
        link.append(name, meta, description);
        if (template.name === state.template?.name) link.setAttribute('aria-current', 'true');
        item.append(link);
        return item;
      }),
    );
  };

  const loadTemplateList = async () => {
    state.templates = (await api('/v1/templates')).body?.templates ?? [];
    renderTemplateList();
  };

  /** The editor's fields as PUT, preview and test take a template. */
  const templateDraft = () => {
    const text = templateFields.text.value;
    return {
      kind: templateFields.kind.value,
      format: templateFields.format.value,
      description: templateFields.description.value,
      subject: templateFields.subject.value,
      preheader: templateFields.preheader.value,
      body: templateFields.body.value,
      ...(text.trim() ? { text } : {}),
    };
  };

  const fillTemplate = (template) => {
    state.template = template;
    const exists = template !== null;
    $('template-form').hidden = false;
    // Preview and test render the draft, published or not; a new template has no versions yet.
    $('template-preview-panel').hidden = false;
    $('template-preview').hidden = false;
    $('template-versions-panel').hidden = !exists;
    $('template-title').textContent = exists ? template.name : 'New template';
    $('template-version').textContent = exists ? `version ${template.version}` : 'not published yet';
    templateFields.name.value = template?.name ?? '';
    templateFields.name.readOnly = exists;
    // The kind is fixed once a template exists: a new template is the way to change it.
    templateFields.kind.disabled = exists;
    templateFields.kind.value = template?.kind ?? 'marketing';
    templateFields.format.value = template?.format ?? 'html';
    for (const field of ['description', 'subject', 'preheader', 'body', 'text'])
      templateFields[field].value = template?.[field] ?? '';
    $('template-status').textContent = '';
    $('test-result').textContent = '';
    $('template-conflict').hidden = true;
    clearTemplateIssues();
    renderTemplateList();
  };

  const loadTemplateVersions = async () => {
    const { name, version: current } = state.template;
    const { body } = await api(`/v1/templates/${encodeURIComponent(name)}/versions`);
    if (state.template?.name !== name) return;
    $('template-versions').replaceChildren(
      ...(body?.versions ?? []).map((version) => {
        const item = document.createElement('li');
        item.textContent = `${versionLine(version)} · ${version.subject} `;
        if (version.version === current) {
          item.append('(current)');
          return item;
        }
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = 'Roll back to this';
        // What GET gave, PUT takes back: the older version's own content, as the next version.
        button.addEventListener('click', () => publishTemplate(version));
        item.append(button);
        return item;
      }),
    );
  };

  const openTemplate = async (name) => {
    const { status, body } = await api(`/v1/templates/${encodeURIComponent(name)}`);
    if (status !== 200) {
      // A name nobody used yet is a template to create.
      fillTemplate(null);
      templateFields.name.value = name;
      showTemplateIssues(body);
      return;
    }
    fillTemplate(body);
    await Promise.all([loadTemplateVersions(), previewTemplate()]);
  };

  /**
   * POSTs the editor's draft to preview or test, for the contact field's contact: an address goes
   * as `contactEmail` (marketing may not look contacts up), empty is the sample contact. Answers
   * as `api` does.
   */
  const renderRequest = async (action, extra = {}) => {
    const given = templateFields.contactId.value.trim() || undefined;
    const contact = given?.includes('@') ? { contactEmail: given } : { contactId: given };
    const name = state.template?.name ?? templateFields.name.value.trim();
    if (!name)
      return { status: 400, body: { error: { issues: [{ path: 'name', message: 'is required' }] } } };
    return api(`/v1/templates/${encodeURIComponent(name)}/${action}`, {
      method: 'POST',
      body: { draft: templateDraft(), ...contact, ...extra },
    });
  };

  /** Answers that come back out of order (typing fires many) are dropped but for the latest. */
  let previewRun = 0;
  const previewTemplate = async () => {
    const run = ++previewRun;
    const answer = await renderRequest('preview');
    if (run !== previewRun) return;
    clearTemplateIssues();
    if (answer.status !== 200) {
      showTemplateIssues(answer.body);
      return;
    }
    $('preview-subject').textContent = answer.body.subject;
    $('preview-frame').srcdoc = answer.body.html;
    $('preview-text').textContent = answer.body.text;
  };
  let previewTimer;
  const previewSoon = () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(previewTemplate, 400);
  };
  /** Before a publish or a test: a preview answering later would clear what they show. */
  const cancelPreview = () => {
    clearTimeout(previewTimer);
    previewRun++;
  };

  const publishTemplate = async (body) => {
    cancelPreview();
    const name = state.template?.name ?? templateFields.name.value.trim();
    clearTemplateIssues();
    $('template-conflict').hidden = true;
    if (!name) {
      showTemplateIssues({ error: { issues: [{ path: 'name', message: 'is required' }] } });
      return;
    }
    // The version this editor loaded; 0 creates the template.
    const loaded = state.template?.version ?? 0;
    const { status, body: answer } = await api(`/v1/templates/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'if-match': `"${loaded}"` },
      body,
    });
    if (status === 200) {
      fillTemplate(answer);
      $('template-status').textContent = `Published version ${answer.version}.`;
      await Promise.all([loadTemplateList(), loadTemplateVersions(), previewTemplate()]);
      return;
    }
    if (status === 409) {
      const current = answer?.error?.issues?.[0]?.message ?? 'a newer version exists';
      $('template-conflict').querySelector('span').textContent =
        `Not published: someone else published this template since you loaded version ${loaded} (${current}). ` +
        'Your edits are still here; copy what you need, then load the latest version.';
      $('template-conflict').hidden = false;
      return;
    }
    showTemplateIssues(answer);
  };

  const sendTest = async () => {
    cancelPreview();
    clearTemplateIssues();
    $('test-result').textContent = 'Sending…';
    const answer = await renderRequest('test', { to: templateFields.to.value.trim() });
    if (answer.status === 202) {
      $('test-result').textContent =
        `Test sent to ${templateFields.to.value.trim()} (message ${answer.body.messageId}).`;
      return;
    }
    $('test-result').textContent = '';
    showTemplateIssues(answer.body);
  };

  const setPreviewWidth = (mobile) => {
    $('preview-frame').classList.toggle('mobile', mobile);
    $('width-mobile').setAttribute('aria-pressed', String(mobile));
    $('width-desktop').setAttribute('aria-pressed', String(!mobile));
  };

  /**
   * The other sections (contacts, sales queue, rules, sources) live in scripts of their own that
   * register here: a tab, a panel, the hash words that open it, the groups that see it, and what to
   * do when it is shown.
   */
  const sections = [];
  const mayOpen = (section) => identity().groups.some((group) => section.roles.includes(group));
  const register = (section) => {
    sections.push(section);
    $(section.tab).addEventListener('click', () => {
      window.location.hash = `#${section.hashes[0]}`;
    });
  };

  /**
   * `#template/NAME` opens a template, `#templates` the list, a registered section's word that
   * section (`#contact/ID`); anything else the schedules (the funnel, for sales).
   */
  const route = () => {
    const [view, ...rest] = window.location.hash.slice(1).split('/');
    const section = sections.find((candidate) => candidate.hashes.includes(view) && mayOpen(candidate));
    const templates = !section && (view === 'template' || view === 'templates');
    const schedules = !section && !templates;
    $('schedules-view').hidden = !schedules;
    $('templates-view').hidden = !templates;
    $('tracks').hidden = !schedules || !state.edits;
    $('tab-schedules').setAttribute('aria-selected', String(schedules));
    $('tab-templates').setAttribute('aria-selected', String(templates));
    for (const candidate of sections) {
      $(candidate.panel).hidden = candidate !== section;
      $(candidate.tab).setAttribute('aria-selected', String(candidate === section));
    }
    if (section) section.show(rest.map((part) => decodeURIComponent(part)));
    // The open template keeps its unsaved edits when its tab or link is chosen again.
    const [name] = rest;
    if (view === 'template' && name && decodeURIComponent(name) !== state.template?.name) {
      openTemplate(decodeURIComponent(name));
    }
  };

  const enter = async () => {
    const who = identity();
    state.edits = who.groups.includes('marketing') || who.groups.includes('admin');
    const { status, body } = await api(state.edits ? '/v1/schedules' : '/v1/reports/funnel');
    if (status !== 200) {
      sessionStorage.removeItem('leadflow-admin-token');
      $('sign-in-panel').hidden = false;
      $('workspace').hidden = true;
      $('sign-in-error').textContent =
        status === 401 ? 'That sign-in is not valid (or has expired).' : 'Could not reach the API.';
      return;
    }
    $('sign-in-panel').hidden = true;
    $('workspace').hidden = false;
    $('sign-out').hidden = false;
    $('signed-in-as').textContent = `${who.name} (${who.groups.join(', ') || 'no group'})`;
    for (const section of sections) $(section.tab).hidden = !mayOpen(section);
    if (!state.edits) {
      // Schedules and templates are marketing's (the API refuses them too): a sales user sees the funnel.
      for (const id of ['schedule-editor', 'schedule-versions', 'tab-templates']) $(id).hidden = true;
      $('tab-schedules').textContent = 'Funnel';
      $('role-notice').hidden = false;
      $('role-notice').textContent =
        'Schedules and templates are edited by marketing. Your group sees the funnel, contacts and leads here.';
      await loadFunnel();
      route();
      return;
    }
    state.templates = (await api('/v1/templates')).body?.templates ?? [];
    renderTemplateList();
    $('tracks').replaceChildren(
      ...body.schedules.map((schedule) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.track = schedule.track;
        button.textContent = schedule.track;
        button.addEventListener('click', () => loadTrack(schedule.track));
        return button;
      }),
    );
    await Promise.all([loadTrack(state.track), loadFunnel()]);
    route();
  };

  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('leadflow-admin-token', state.token);
    enter();
  });
  $('sign-in-user').addEventListener('click', () => void startSignIn());
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem('leadflow-admin-token');
    window.location.reload();
  });
  $('add-step').addEventListener('click', () => addRow({ delay: '3d' }));
  $('steps').addEventListener('click', (event) => {
    const action = event.target.closest('button')?.dataset.action;
    const row = event.target.closest('tr');
    if (!action || !row) return;
    if (action === 'remove') row.remove();
    if (action === 'up' && row.previousElementSibling) row.previousElementSibling.before(row);
    if (action === 'down' && row.nextElementSibling) row.nextElementSibling.after(row);
    renumber();
  });
  $('steps').addEventListener('change', (event) => {
    if (event.target.name === 'delay' && !durationPattern.test(event.target.value.trim())) draft();
    if (event.target.name === 'template') {
      event.target.closest('tr').querySelector('.edit-template').href = templateLink(event.target.value);
    }
  });
  $('preview').addEventListener('click', async () => {
    const body = draft();
    if (!body) return;
    const { status, body: answer } = await api(`/v1/schedules/${state.track}/preview`, {
      method: 'POST',
      body,
    });
    if (status === 200) renderPreview(answer);
    else showErrorBody(answer);
  });
  $('publish').addEventListener('click', () => {
    const body = draft();
    if (body) publish(body);
  });

  $('tab-schedules').addEventListener('click', () => {
    window.location.hash = '#schedules';
  });
  $('tab-templates').addEventListener('click', () => {
    window.location.hash = state.template ? templateLink(state.template.name) : '#templates';
  });
  window.addEventListener('hashchange', route);
  $('new-template').addEventListener('click', () => {
    window.location.hash = '#templates';
    fillTemplate(null);
    templateFields.name.focus();
  });
  $('template-form').addEventListener('input', (event) => {
    if (event.target !== templateFields.name) previewSoon();
  });
  templateFields.contactId.addEventListener('input', previewSoon);
  $('template-preview').addEventListener('click', previewTemplate);
  $('template-form').addEventListener('submit', (event) => {
    event.preventDefault();
    publishTemplate(templateDraft());
  });
  $('template-reload').addEventListener('click', () => openTemplate(state.template.name));
  $('test-send').addEventListener('click', sendTest);
  $('width-desktop').addEventListener('click', () => setPreviewWidth(false));
  $('width-mobile').addEventListener('click', () => setPreviewWidth(true));

  /** What the section scripts share with this one. */
  window.leadflowAdmin = { $, api, identity, versionLine, register, route };

  // The admin token exists only locally; in AWS every user signs in; the sections register first.
  window.addEventListener(
    'DOMContentLoaded',
    () =>
      void configLoaded.then(async () => {
        $('sign-in').hidden = config.mode !== 'local';
        await finishSignIn();
        if (state.token) enter();
      }),
  );
})();
