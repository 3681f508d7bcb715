// Marks the page as having JavaScript, as the GOV.UK template does with an inline script
// (our Content Security Policy allows no inline script, so it lives here).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
