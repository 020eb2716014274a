// The marketers' page: sign in with the admin token, edit a track's schedule with inline errors,
// preview its impact on contacts in flight, publish, browse versions and roll back, see the funnel.
(() => {
  const $ = (id) => document.getElementById(id);
  const durationPattern = /^\d+(\.\d+)?\s*[smhdw]$/i;
  const state = {
    token: sessionStorage.getItem('leadflow-admin-token'),
    track: 'nurture',
    schedule: null,
    templates: [],
  };

  const api = async (path, options = {}) => {
    const headers = { authorization: `Bearer ${state.token}`, ...(options.headers ?? {}) };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
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
    for (const slot of document.querySelectorAll('#workspace .error')) slot.textContent = '';
    for (const field of document.querySelectorAll('#workspace [aria-invalid]'))
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
    const slot = document.querySelector(`[data-issue="${head}"]`) ?? $('schedule-error');
    slot.textContent = slot.id === 'schedule-error' ? `${path}: ${message}` : message;
    if (head === 'timezone') $('timezone').setAttribute('aria-invalid', 'true');
  };
  const showErrorBody = (body) => {
    const issues = body?.error?.issues ?? [];
    if (issues.length === 0) $('schedule-error').textContent = body?.error?.message ?? 'Something went wrong';
    for (const issue of issues) showIssue(issue.path, issue.message);
  };

  const addRow = (step) => {
    const row = $('step-row').content.firstElementChild.cloneNode(true);
    const select = row.querySelector('[name="template"]');
    for (const template of state.templates) select.add(new Option(template.name, template.name));
    row.dataset.id = step.id ?? '';
    row.querySelector('[name="delay"]').value = step.delay ?? '1d';
    select.value = step.template ?? state.templates[0]?.name ?? '';
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
        const when = version.version === 0 ? 'built-in' : new Date(version.updatedAt).toLocaleString();
        item.textContent = `v${version.version} · ${when} · ${version.steps.length} steps `;
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

  const publish = async (body) => {
    const { status, body: answer } = await api(`/v1/schedules/${state.track}`, {
      method: 'PUT',
      headers: { 'if-match': `"${state.schedule.version}"` },
      body,
    });
    if (status === 200) {
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
      row.insertCell().textContent = example.contactId.slice(0, 8);
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

  const enter = async () => {
    const { status, body } = await api('/v1/schedules');
    if (status !== 200) {
      sessionStorage.removeItem('leadflow-admin-token');
      $('sign-in').hidden = false;
      $('workspace').hidden = true;
      $('sign-in-error').textContent =
        status === 401 ? 'That token is not valid.' : 'Could not reach the API.';
      return;
    }
    // A schedule step sends marketing email: transactional templates answer requests instead.
    const templates = (await api('/v1/templates')).body?.templates ?? [];
    state.templates = templates.filter((template) => template.kind === 'marketing');
    $('sign-in').hidden = true;
    $('workspace').hidden = false;
    $('sign-out').hidden = false;
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
  };

  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('leadflow-admin-token', state.token);
    enter();
  });
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

  if (state.token) enter();
})();
