"""The HTTP shell: app factory, middleware, static files, transfer routes, serve and the Lambda handler."""
