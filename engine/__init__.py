"""brm-advisor's library: facts in, a diagnosis out.

    from brm_advisor.engine import Advisor, resolve_pack

    with Advisor(resolve_pack()) as advisor:
        diagnosis = advisor.assess(advisor.read("examples/acme.yaml"))
        print(diagnosis.level.name)
"""

from .errors import (
    BrmError,
    DocumentError,
    EditError,
    EngineError,
    FactsValidationError,
    HistoryError,
    InputError,
    Issue,
    PackError,
    PackNotFoundError,
    RunawayError,
    UnknownLevelError,
)
from .inference.advisor import Advisor
from .inference.diagnosis import Diagnosis
from .inputs.facts import Facts, FactsReader
from .packs.discovery import DEFAULT_PACK, available_packs, find_pack, resolve_pack, shipped_packs
from .packs.loader import load_pack
from .packs.model import RulePack

__all__ = [
    "DEFAULT_PACK", "Advisor", "BrmError", "Diagnosis", "DocumentError", "EditError",
    "EngineError", "Facts", "FactsReader", "FactsValidationError", "HistoryError",
    "InputError", "Issue", "PackError", "PackNotFoundError", "RulePack", "RunawayError",
    "UnknownLevelError", "available_packs", "find_pack", "load_pack", "resolve_pack",
    "shipped_packs",
]
