"""Resource modules: each declares its operations on ``conveyor.api.operations.operations``.

Every module of this package is imported by ``default_registry()``, so adding a resource is adding a module
here; nothing else needs editing. See ``customer_groups`` for a complete example.
"""
