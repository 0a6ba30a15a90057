"""The GraphQL schema (Strawberry), the FastAPI app factory and the Lambda handler."""
