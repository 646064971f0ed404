"""Use cases: the business rules of Connect Rota, each in one place."""
