// OAuth 2.0 Form Post Response Mode: submit the response form as soon as the page loads.
// Served from /static so the page's CSP can stay script-src 'self' with no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("tier0-form-post");
  if (form) { form.submit(); }
});
