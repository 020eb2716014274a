// Source quality: which channels, campaigns, forms and offers bring leads and customers. The chart
// (Chart.js, served from this origin) shows the shares for the largest sources; the table has every
// number. Values come from links and forms: they are shown through textContent and chart labels only.
(() => {
  const { $, api, register } = window.leadflowAdmin;
  const milestones = [
    ['lead', 'Lead', '#7aa6e8'],
    ['sales_lead', 'Sales lead', '#3f73c9'],
    ['opportunity', 'Opportunity', '#f0a93b'],
    ['customer', 'Customer', '#2e9e6b'],
  ];
  /** The chart stays readable with this many groups of bars; the table lists them all. */
  const chartedValues = 10;
  let report = null;
  let chart = null;

  const percent = (share) => `${Math.round(share * 1000) / 10} %`;

  const row = (label, figures) => {
    const tr = document.createElement('tr');
    const cells = [
      label,
      String(figures.contacts),
      ...milestones.map(([key]) => `${figures.reached[key]} · ${percent(figures.share[key])}`),
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  };

  const render = () => {
    if (!report) return;
    const select = $('sources-dimension');
    const dimension = report.dimensions.find((entry) => entry.dimension === select.value);
    const label = select.selectedOptions[0]?.textContent ?? '';
    $('sources-value-heading').textContent = label;
    $('sources-basis').textContent = report.basis;

    const rows = dimension?.rows ?? [];
    $('sources-rows').replaceChildren(...rows.map((entry) => row(entry.value, entry)));
    if (dimension?.rest) {
      $('sources-rows').append(row(`${dimension.rest.values} other values`, dimension.rest));
    }
    if (rows.length === 0) {
      const empty = document.createElement('tr');
      const cell = document.createElement('td');
      cell.colSpan = 6;
      cell.className = 'muted';
      cell.textContent = 'No contacts were created in this period.';
      empty.append(cell);
      $('sources-rows').append(empty);
    }
    $('sources-total').replaceChildren(row('All contacts', report.total));

    const charted = rows.slice(0, chartedValues);
    $('sources-chart-note').textContent =
      rows.length > charted.length
        ? `The chart shows the ${charted.length} ${label.toLowerCase()} values with the most contacts.`
        : '';
    const data = {
      labels: charted.map((entry) => entry.value),
      datasets: milestones.map(([key, name, color]) => ({
        label: `% reaching ${name.toLowerCase()}`,
        data: charted.map((entry) => Math.round(entry.share[key] * 1000) / 10),
        backgroundColor: color,
      })),
    };
    if (chart) {
      chart.data = data;
      chart.update();
      return;
    }
    chart = new window.Chart($('sources-chart'), {
      type: 'bar',
      data,
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (value) => `${value} %` } } },
        plugins: {
          tooltip: {
            callbacks: {
              afterLabel: (item) => `of ${charted[item.dataIndex]?.contacts ?? 0} contacts`,
            },
          },
        },
      },
    });
  };

  const load = async () => {
    const query = new URLSearchParams();
    for (const name of ['from', 'to']) {
      const value = $(`sources-${name}`).value.trim();
      if (value) query.set(name, value);
    }
    for (const slot of document.querySelectorAll('#sources-period .error')) slot.textContent = '';
    $('sources-error').textContent = '';
    const { status, body } = await api(`/v1/reports/sources${query.size > 0 ? `?${query}` : ''}`);
    if (status !== 200) {
      const issues = body?.error?.issues ?? [];
      const slots = [...document.querySelectorAll('#sources-period [data-issue]')];
      for (const issue of issues) {
        const slot = slots.find((candidate) => candidate.dataset.issue === issue.path);
        if (slot) slot.textContent = issue.message;
      }
      if (issues.length === 0)
        $('sources-error').textContent = body?.error?.message ?? 'Could not load the report.';
      return;
    }
    report = body;
    render();
  };

  $('sources-dimension').addEventListener('change', render);
  $('sources-period').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });

  register({
    tab: 'tab-sources',
    panel: 'sources-view',
    hashes: ['sources'],
    roles: ['marketing', 'sales', 'admin'],
    show() {
      load();
    },
  });
})();
