"""The lowest layer: what every other part uses and that uses nothing of theirs (docs/architecture.md):
text normalisation and analysis, vocabularies and their labels, settings access, outgoing requests."""
