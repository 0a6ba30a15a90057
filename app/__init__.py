"""The HTTP shell: app factory, the one request pipeline, transfer routes, serve and the Lambda handler."""
