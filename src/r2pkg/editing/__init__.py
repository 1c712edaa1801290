"""Everything an editor's entry goes through, in one place.

- ``entries``: reading an entry (Turtle or JSON-LD) and the new-case template;
- ``validation``: the SHACL shapes run over the whole graph or an entry (the report);
- ``shacl_sparql`` and ``shacl_terms``: the shapes compiled into SPARQL run where the graph lives;
- ``rules``: the checks SHACL cannot express (identity, quotes, inferences as facts…);
- ``fingerprints``: whether a quote's words are in the cited publication, near its line;
- ``accepted`` and ``record``: accepting, correcting and retracting, all or nothing, and the change log;
- ``vocabulary``: the terms the editors' form offers.
"""
