"""The use cases both doors call: GraphQL fields and REST routes stay a few lines and end up here.

Each use case takes the request's `RequestScope`, validates what the doors cannot (types named by a path,
model-only operations), authenticates the caller and calls the service — all in one worker-thread hop, so the
event loop keeps serving. Permissions are checked by the services themselves, so a rule holds for every door.
"""
