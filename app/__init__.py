"""The HTTP shell: app factory, the one request pipeline, static files (UI, offline GraphiQL and docs), transfer
routes, serve and the Lambda handler."""
