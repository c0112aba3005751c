//! The HTTP client: talks to the bundled core or a real Django-CRM server.
