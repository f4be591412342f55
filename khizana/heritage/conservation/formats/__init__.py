"""Pure modules of the conservation plans (no Django): holdings statements read into volume and year
extents (:mod:`.statements`), the holdings carried by MARC 21 and UNIMARC records (:mod:`.records`), the
network's coverage and gaps of a title (:mod:`.coverage`), retention commitments as MARC 583
(:mod:`.retention`)."""
