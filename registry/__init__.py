"""Registry services: the operations every door (GraphQL, REST, CLI) reaches."""
