"""The verification page: index.html, app.js and app.css, served by verifier.service."""
