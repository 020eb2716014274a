// Source quality: which channels, campaigns, forms and offers bring leads and customers.
(() => {
  const { register } = window.leadflowAdmin;
  register({
    tab: 'tab-sources',
    panel: 'sources-view',
    hashes: ['sources'],
    roles: ['marketing', 'sales', 'admin'],
    show() {},
  });
})();
