"""brm-advisor's web layer: `brm serve`, a workshop in the browser and an HTTP API over the same
library (``brm_advisor.engine``'s public API), as thin as the CLI beside it.

- ``app``: the application (`create_app`), its routes and middleware assembled;
- ``config``: what a server is started with (`WebConfig`);
- ``services``: what requests share: one advisor per pack, the history database;
- ``security``: the token, cross-site request forgery, headers (CSP), body limits;
- ``problems``: errors as ``application/problem+json`` (RFC 9457), with the CLI's issues;
- ``api``: ``/api/v1``; ``pages``: the workshop's pages; ``openapi``: the API's description.

Nothing here is imported by the CLI unless `brm serve` runs (start-up time).
"""
