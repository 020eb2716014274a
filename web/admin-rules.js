// The qualification rules: read by everyone, previewed by both sides, published by marketing.
(() => {
  const { register } = window.leadflowAdmin;
  register({
    tab: 'tab-rules',
    panel: 'rules-view',
    hashes: ['rules'],
    roles: ['marketing', 'sales', 'admin'],
    show() {},
  });
})();
