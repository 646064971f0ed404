"""Background jobs: thin functions taking ids, run by RQ workers or in-process."""
