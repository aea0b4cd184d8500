"""kg: a provenance-first knowledge graph of the US-China technology contest.

Kept import-light on purpose: the CLI's start-up time is a feature, so heavy modules
(rdflib, pyshacl, networkx, pyvis) are imported inside the functions that need them.
"""

__version__ = "0.1.0"
