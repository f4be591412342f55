"""Heritage programmes built on the union catalog and the digital library: shared conservation plans for
serials, the national digitisation programme, digital preservation, theses. Each is its own Django app."""
