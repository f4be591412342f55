"""A work, its records or a list of works written in each output format, one module per format; the
pages, the API, OAI-PMH and SRU all write through these.

* :mod:`.work` builds the *work dict* every format starts from; :mod:`.fields` reads its fields;
* :mod:`.ris`, :mod:`.bibtex`, :mod:`.csl` (CSL-JSON), :mod:`.plain_citation`, :mod:`.jsonld`
  (schema.org) and :mod:`.dublin_core` (``oai_dc`` and ``srw_dc``) write a work dict (no Django);
* :mod:`.marcxml` and :mod:`.iso2709` write the member MARC records of a work as they were sent;
* :mod:`.lists` streams the works of a list of ids in any of these formats.

A work dict holds the display fields of a work::

    {
        "id": 12, "title": "...", "subtitle": "...", "parallel_titles": [...],
        "authors": ["Surname, Forename", ...], "identifiers": {"isbn": [...], "issn": [...], ...},
        "publisher": "...", "place": "...", "year": 1962 or None, "edition": "...",
        "languages": ["fre", ...], "language_tags": ["fr", ...] (BCP 47, optional),
        "material_type": "book", "subjects": [...], "classification": [...],
        "url": "https://..." (optional),
        "holdings": [{"library_code", "library_name", "library_url", "call_number", "location",
                      "status"}, ...] (optional),
    }

Missing keys are read as empty. The serializers import nothing above the catalog (no search, no
surface): the URL of a work is passed in by the surface that writes it (a copy's ``library_url`` is
reversed from the URL name ``web:library``).
"""
