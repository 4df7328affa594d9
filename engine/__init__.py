"""brm-advisor's library: facts in, a diagnosis out.

    from brm_advisor.engine import Advisor, resolve_pack

    with Advisor(resolve_pack()) as advisor:
        diagnosis = advisor.assess(advisor.read("examples/acme.yaml"))
        print(diagnosis.level.name)
"""

from .assessment import Advisor
from .diagnosis import Diagnosis
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
from .facts import Facts, FactsReader
from .pack import RulePack, load_pack
from .packs import DEFAULT_PACK, available_packs, find_pack, resolve_pack, shipped_packs

__all__ = [
    "DEFAULT_PACK", "Advisor", "BrmError", "Diagnosis", "DocumentError", "EditError",
    "EngineError", "Facts", "FactsReader", "FactsValidationError", "HistoryError",
    "InputError", "Issue", "PackError", "PackNotFoundError", "RulePack", "RunawayError",
    "UnknownLevelError", "available_packs", "find_pack", "load_pack", "resolve_pack",
    "shipped_packs",
]
