"""Universal login: sign-in, sessions, logout and the pages that go with them.

The protocol core (:mod:`tier0.protocol.endpoints.authorize`) only says *that* the
end-user must sign in; this package performs the interaction and resumes the request.
Everything here is framework-free: the web layer (:mod:`tier0.web.login_routes`) turns
its results into HTTP responses.
"""
