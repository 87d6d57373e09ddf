"""The hub: receives kiosks' events, merges them, shows facilitators every centre, speaks xAPI.

`sync.hub.app.create_hub_app` builds it. Stateless between requests: everything another hub process
would need (nonces, sessions' signing key, acknowledgements) lives in the database, so several
processes can share one PostgreSQL. Imports only the wire, the pack format and sync.base.
"""
