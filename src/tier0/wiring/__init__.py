"""The wiring behind :meth:`tier0.container.Container.build`, in stages that each return a
small frozen record of what they built: the foundation (database, keys, directory cache,
audit log), the directory's services, the login and OAuth flows, and operations (tenants,
jobs, privacy). Settings become policy objects in :mod:`.policies`."""
