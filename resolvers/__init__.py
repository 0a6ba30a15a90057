"""One small function per GraphQL field: read the context, call a service off the event loop, return domain data."""
