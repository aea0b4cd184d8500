"""kg: a provenance-first knowledge graph of the US-China technology contest.

Kept import-light on purpose: the CLI's start-up time is a feature, so heavy modules
(rdflib, pyshacl, networkx, pyvis) are imported inside the functions that need them.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy, so `import kg` stays cheap for the CLI.
    if name == "KnowledgeGraph":
        from kg.graph import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(name)


__all__ = ["KnowledgeGraph", "__version__"]
