// Sales's sections: the contacts list with search, a contact's page, and the sales queue.
(() => {
  const { register } = window.leadflowAdmin;
  register({
    tab: 'tab-contacts',
    panel: 'contacts-view',
    hashes: ['contacts', 'contact'],
    roles: ['sales', 'admin'],
    show() {},
  });
  register({
    tab: 'tab-queue',
    panel: 'queue-view',
    hashes: ['queue'],
    roles: ['sales', 'admin'],
    show() {},
  });
})();
