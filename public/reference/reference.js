// The API reference: Swagger UI over this server's own /openapi.json. "Try it out" calls this same origin; the
// API key goes in "Authorize" (x-api-key, or the admin token for /admin).
window.ui = SwaggerUIBundle({
  url: new URL("/openapi.json", location.href).href,
  dom_id: "#reference",
  deepLinking: true,
  docExpansion: "none",
  tryItOutEnabled: false,
  persistAuthorization: false,
  // No calls to swagger.io's validator: nothing here leaves this origin.
  validatorUrl: null,
});
