// /api/docs: start the locally served Swagger UI with the settings the page carries; requests
// made from the page send the session's CSRF token (the API accepts the site session).
(function () {
  const config = JSON.parse(document.getElementById('swagger-settings').textContent);
  const token = document.body.dataset.csrfToken;
  config.dom_id = '#swagger-ui';
  config.presets = [SwaggerUIBundle.presets.apis];
  config.requestInterceptor = (req) => { if (token) { req.headers['X-CSRFToken'] = token; } return req; };
  SwaggerUIBundle(config);
})();
