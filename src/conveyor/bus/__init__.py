"""The command bus: commands, handlers, middleware, queued commands."""
