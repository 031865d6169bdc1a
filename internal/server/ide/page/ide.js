// Boots GraphiQL for coopdesk. This lives in its own file, not inline in
// index.html, so the page's Content-Security-Policy can forbid inline scripts.
(function () {
  'use strict';

  // The token is kept in localStorage so a reload does not ask for it again;
  // it is never put into GraphiQL's own (persisted) headers editor.
  // GraphiQL's dialogs insert a <style> element (react-remove-scroll); the
  // bundled get-nonce helper tags it with this global, so that the page's CSP
  // can allow it by nonce instead of allowing any inline style.
  var nonceMeta = document.querySelector('meta[name="coopdesk-style-nonce"]');
  if (nonceMeta) window.__webpack_nonce__ = nonceMeta.content;

  var STORAGE_KEY = 'coopdesk.ide.token';
  var input = document.getElementById('cd-token');
  var form = document.getElementById('cd-token-form');
  var showButton = document.getElementById('cd-token-show');
  var clearButton = document.getElementById('cd-token-clear');

  function load() {
    try { return window.localStorage.getItem(STORAGE_KEY) || ''; } catch (e) { return ''; }
  }
  function save(value) {
    try {
      if (value) window.localStorage.setItem(STORAGE_KEY, value);
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* private mode or storage disabled: the token just is not remembered */ }
  }
  function token() {
    // Tolerate a pasted "Bearer xyz" as well as the bare token.
    return input.value.trim().replace(/^Bearer\s+/i, '');
  }

  // Every request (queries and the schema introspection alike) reads the
  // token at send time, so a new token applies without reloading the page.
  function authFetch(url, init) {
    init = init || {};
    var headers = new Headers(init.headers || {});
    var t = token();
    if (t) headers.set('Authorization', 'Bearer ' + t);
    init.headers = headers;
    init.credentials = 'omit'; // bearer tokens only: never send cookies
    return window.fetch(url, init);
  }

  var DEFAULT_QUERY = [
    "# IDE GraphQL de coopdesk / coopdesk GraphQL IDE",
    "#",
    "# Saisissez votre jeton d'accès en haut, puis une requête.",
    "# Enter your API token at the top, then a query.",
    "# Ctrl-Entrée l'exécute / Ctrl-Enter runs it.",
    "",
    "{",
    "  __typename",
    "}",
    ""
  ].join('\n');

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  function render() {
    // A new fetcher instance makes GraphiQL fetch the schema again, which is
    // what a changed token needs (the old one may have been refused).
    var fetcher = GraphiQL.createFetcher({ url: '/graphql', fetch: authFetch });
    root.render(React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      shouldPersistHeaders: false
    }));
  }

  input.value = load();
  input.addEventListener('input', function () { save(token()); });
  input.addEventListener('change', render);
  form.addEventListener('submit', function (e) { e.preventDefault(); render(); });
  showButton.addEventListener('click', function () {
    var shown = input.type === 'text';
    input.type = shown ? 'password' : 'text';
    showButton.setAttribute('aria-pressed', String(!shown));
  });
  clearButton.addEventListener('click', function () {
    input.value = '';
    save('');
    render();
    input.focus();
  });

  render();
})();
