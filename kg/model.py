"""The curated data as plain records, each remembering the file and line it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import Location


@dataclass(frozen=True)
class Literal:
    """A typed value: lexical form plus an XSD datatype IRI."""

    lexical: str
    datatype: str

    def python(self) -> object:
        local = self.datatype.rsplit("#", 1)[-1]
        if local in ("double", "float"):
            return float(self.lexical)
        if local == "integer":
            return int(self.lexical)
        return self.lexical


@dataclass
class SourceRec:
    id: str
    file: str
    title: str | None
    publisher: str | None
    date: Literal | None
    url: str | None
    sha256: str
    description: str | None
    where: Location


@dataclass
class EntityRec:
    id: str
    types: list[str]
    label: str
    aliases: list[str]
    description: str | None
    broader: list[str]
    where: Location
    same_as: list[str] = field(default_factory=list)
    key_where: dict[str, Location] = field(default_factory=dict)


@dataclass
class Evidence:
    source: str
    quote: str
    start: int
    end: int
    where: Location


@dataclass
class MentionRec:
    entity: str
    evidence: Evidence


@dataclass
class FactRec:
    subject: str
    predicate: str
    object: str | None  # entity id, for object properties
    value: list[Literal] | None  # for datatype properties
    qualifiers: dict[str, list[Literal]]
    evidence: Evidence
    note: str | None = None
    key_where: dict[str, Location] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)  # object qualifiers: name -> entity ids
    bound: str | None = None  # a kgo:Bound individual: how the value bounds the true figure
    refers: dict[str, list[str]] = field(default_factory=dict)  # entity id -> the quote's words that name it
    claim: str | None = None  # the claim this fact spells out (its subject), if any


@dataclass
class ClaimRec:
    """A stated opinion or causal claim: a node of its own, with the facts that describe it."""

    id: str
    source: str
    evidence: Evidence
    label: str | None = None
    note: str | None = None


@dataclass
class Dataset:
    sources: dict[str, SourceRec] = field(default_factory=dict)
    entities: dict[str, EntityRec] = field(default_factory=dict)
    mentions: list[MentionRec] = field(default_factory=list)
    facts: list[FactRec] = field(default_factory=list)
    claims: dict[str, ClaimRec] = field(default_factory=dict)
    pending: dict[str, set[str]] = field(default_factory=dict)  # source id -> checks not yet enforced
