// The qualification rules: read by everyone, previewed by both sides, published by marketing.
// The form holds the very object GET answered; a draft is built back from it, so the API's field
// paths (`thresholds.lead`, `points.offers.demo`, `fit.0.when.1.values`) name the inputs they are about.
(() => {
  const { $, api, identity, versionLine, register } = window.leadflowAdmin;
  const tables = ['channels', 'forms', 'offers'];
  const numberInputs = [...$('rules-view').querySelectorAll('input[data-path]')];
  let loaded = null;

  const mayPublish = () => identity().groups.some((group) => group === 'marketing' || group === 'admin');

  const get = (object, path) => path.split('.').reduce((value, key) => value?.[key], object);

  const weightRow = (table, label = '', points = '') => {
    const row = $(`rules-${table}`).insertRow();
    row.innerHTML =
      '<td><input name="label" aria-label="Label"></td><td><input name="points" class="short" type="number" aria-label="Points"></td>' +
      '<td><button type="button" data-action="remove-weight" aria-label="Remove">✕</button></td><td class="error"></td>';
    row.querySelector('[name="label"]').value = label;
    row.querySelector('[name="points"]').value = String(points);
    return row;
  };

  const conditionRow = (rule, condition = { field: '', test: 'present' }) => {
    const row = $('fit-condition').content.firstElementChild.cloneNode(true);
    row.querySelector('[name="field"]').value = condition.field;
    row.querySelector('[name="test"]').value = condition.test;
    const values = condition.values ?? (condition.value === undefined ? [] : [condition.value]);
    row.querySelector('[name="values"]').value = values.join(', ');
    rule.querySelector('.conditions').append(row);
  };

  const fitRule = (rule = { name: '', mark: 'target', when: [] }) => {
    const item = $('fit-rule').content.firstElementChild.cloneNode(true);
    item.querySelector('[name="name"]').value = rule.name;
    item.querySelector('[name="mark"]').value = rule.mark;
    $('rules-fit').append(item);
    for (const condition of rule.when) conditionRow(item, condition);
    return item;
  };

  const clearIssues = () => {
    $('rules-error').textContent = '';
    $('rules-conflict').textContent = '';
    for (const field of $('rules-view').querySelectorAll('[aria-invalid="true"]'))
      field.removeAttribute('aria-invalid');
    for (const slot of $('rules-view').querySelectorAll('td.error, .fit-rules .error')) slot.textContent = '';
  };

  const fill = (rules) => {
    clearIssues();
    loaded = rules;
    $('rules-version').textContent = `version ${rules.version}`;
    for (const input of numberInputs) input.value = String(get(rules, input.dataset.path) ?? '');
    for (const table of tables) {
      $(`rules-${table}`).replaceChildren();
      for (const [label, points] of Object.entries(rules.points[table])) weightRow(table, label, points);
    }
    $('rules-fit').replaceChildren();
    for (const rule of rules.fit) fitRule(rule);
    $('rules-note').value = '';
    $('rules-preview-result').replaceChildren();
  };

  /** A number input's value: an empty one goes as null, so the API names the field. */
  const numberOf = (input) => (input.value.trim() === '' ? null : Number(input.value));

  const draft = () => {
    const body = structuredClone(loaded);
    for (const input of numberInputs) {
      const path = input.dataset.path.split('.');
      const last = path.pop();
      path.reduce((object, key) => object[key], body)[last] = numberOf(input);
    }
    for (const table of tables) {
      // Null-prototype: a label such as `__proto__` is sent (and refused by name), never swallowed.
      const weights = Object.create(null);
      for (const row of $(`rules-${table}`).rows) {
        const label = row.querySelector('[name="label"]').value.trim();
        const points = row.querySelector('[name="points"]');
        if (label === '' && points.value.trim() === '') continue;
        weights[label] = numberOf(points);
      }
      body.points[table] = weights;
    }
    body.fit = [...$('rules-fit').children].map((item) => ({
      name: item.querySelector('[name="name"]').value.trim(),
      mark: item.querySelector('[name="mark"]').value,
      when: [...item.querySelector('.conditions').rows].map((row) => {
        const field = row.querySelector('[name="field"]').value.trim();
        const test = row.querySelector('[name="test"]').value;
        const words = row
          .querySelector('[name="values"]')
          .value.split(',')
          .map((word) => word.trim())
          .filter(Boolean);
        if (test === 'equals') return { field, test, value: words.join(', ') };
        if (test === 'containsAny') return { field, test, values: words };
        if (test === 'freeMail' || test === 'notFreeMail') return { field: 'email', test };
        return { field, test };
      }),
    }));
    const note = $('rules-note').value.trim();
    if (note) body.note = note;
    else delete body.note;
    return body;
  };

  /** Each issue next to the input it names; the rest above the form. */
  const showIssues = (body) => {
    const unplaced = [];
    for (const issue of body?.error?.issues ?? []) {
      const { path, message } = issue;
      const input = numberInputs.find((candidate) => candidate.dataset.path === path);
      const weight = /^points\.(channels|forms|offers)\.(.+)$/.exec(path);
      const fit = /^fit\.(\d+)(?:\.(name|mark|when)(?:\.(\d+))?)?/.exec(path);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        unplaced.push(`${path} ${message}`);
      } else if (weight) {
        const row = [...$(`rules-${weight[1]}`).rows].find(
          (candidate) => candidate.querySelector('[name="label"]').value.trim() === weight[2],
        );
        if (!row) unplaced.push(`${path} ${message}`);
        else {
          row.querySelector('[name="points"]').setAttribute('aria-invalid', 'true');
          row.querySelector('td.error').textContent = message;
        }
      } else if (fit) {
        const item = $('rules-fit').children[Number(fit[1])];
        const row =
          fit[3] === undefined ? undefined : item?.querySelector('.conditions').rows[Number(fit[3])];
        if (row) row.querySelector('[data-slot="condition"]').textContent = message;
        else if (item)
          item.querySelector('[data-slot="name"]').textContent = `${fit[2] ?? 'rule'} ${message}`;
        else unplaced.push(`${path} ${message}`);
      } else unplaced.push(`${path || 'rules'} ${message}`);
    }
    $('rules-error').textContent = unplaced.join('; ');
  };

  const renderPreview = (preview) => {
    const result = $('rules-preview-result');
    const summary = document.createElement('p');
    summary.textContent = `${preview.contacts} contacts weighed; ${preview.changedByDraft} would be scored or placed differently by this draft.`;
    const moves = document.createElement('table');
    moves.createCaption().textContent =
      'Publishing moves, at each contact’s next step (at once: publishing wakes them)';
    if (preview.moves.length === 0) moves.insertRow().insertCell().textContent = 'No contact changes stage.';
    for (const move of preview.moves) {
      const row = moves.insertRow();
      for (const text of [`${move.from} → ${move.to}`, String(move.count)])
        row.insertCell().textContent = text;
    }
    const examples = document.createElement('table');
    examples.id = 'rules-examples';
    examples.createCaption().textContent = 'Examples';
    const head = examples.createTHead().insertRow();
    for (const text of ['Contact', 'Stage now', 'Under this draft', 'Score now', 'Under this draft']) {
      const cell = document.createElement('th');
      cell.textContent = text;
      head.append(cell);
    }
    const rows = examples.createTBody();
    for (const example of preview.examples) {
      const row = rows.insertRow();
      const who = [example.name, example.company].filter(Boolean).join(', ') || example.contactId;
      for (const text of [
        who,
        example.stage.current,
        example.stage.draft,
        String(example.score.current),
        String(example.score.draft),
      ])
        row.insertCell().textContent = text;
    }
    // Handing many leads to sales at once floods its inbox, and each must be answered in time.
    const handoffs = document.createElement('p');
    handoffs.id = 'rules-handoffs';
    handoffs.className = preview.salesHandoffs > 0 ? 'error' : 'muted';
    handoffs.textContent =
      preview.salesHandoffs > 0
        ? `Publishing hands ${preview.salesHandoffs} contact(s) to sales at once: ${preview.salesHandoffs} email(s) to the sales inbox, each to be accepted or rejected in time or recycled.`
        : 'Publishing hands no contact to sales.';
    result.replaceChildren(summary, handoffs, moves, ...(preview.examples.length > 0 ? [examples] : []));
  };

  const loadVersions = async () => {
    const { body } = await api('/v1/rules/versions');
    $('rules-versions').replaceChildren(
      ...(body?.versions ?? []).map((version) => {
        const item = document.createElement('li');
        const current = version.version === loaded?.version;
        item.textContent = `${versionLine(version)} · lead ${version.thresholds.lead}, sales lead ${version.thresholds.salesLead}${current ? ' (current)' : ''}`;
        if (!current && mayPublish()) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = 'Roll back to this';
          button.addEventListener('click', () => publish(version));
          item.append(' ', button);
        }
        return item;
      }),
    );
  };

  const load = async () => {
    const { status, body } = await api('/v1/rules');
    if (status !== 200) {
      $('rules-error').textContent = 'Could not load the rules.';
      return;
    }
    fill(body);
    await loadVersions();
  };

  const publish = async (body) => {
    clearIssues();
    const { status, body: answer } = await api('/v1/rules', {
      method: 'PUT',
      body,
      headers: { 'if-match': `"${loaded.version}"` },
    });
    // 202: published; a job is waking the contacts the rules can move (`answer.job`).
    if (status === 200 || status === 202) {
      fill(answer);
      await loadVersions();
      return;
    }
    if (status === 409) {
      $('rules-conflict').textContent =
        'Someone published a newer version meanwhile. Reload to see it, then edit again.';
      return;
    }
    showIssues(answer);
  };

  $('rules-view').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.dataset.add) weightRow(button.dataset.add).querySelector('input').focus();
    if (button.dataset.action === 'remove-weight') button.closest('tr').remove();
    if (button.dataset.action === 'remove-rule') button.closest('li').remove();
    if (button.dataset.action === 'remove-condition') button.closest('tr').remove();
    if (button.dataset.action === 'add-condition') conditionRow(button.closest('li'));
  });
  $('rules-add-fit').addEventListener('click', () => {
    const rule = fitRule();
    conditionRow(rule);
    rule.querySelector('input').focus();
  });
  $('rules-preview').addEventListener('click', async () => {
    clearIssues();
    const { status, body } = await api('/v1/rules/preview', { method: 'POST', body: draft() });
    if (status === 200) renderPreview(body);
    else showIssues(body);
  });
  $('rules-publish').addEventListener('click', () => publish(draft()));

  register({
    tab: 'tab-rules',
    panel: 'rules-view',
    hashes: ['rules'],
    roles: ['marketing', 'sales', 'admin'],
    show() {
      // Sales agrees the criteria and previews them; marketing publishes.
      for (const id of ['rules-publish', 'rules-note']) $(id).hidden = !mayPublish();
      if (!loaded) void load();
    },
  });
})();
