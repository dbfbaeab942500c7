"""maturity: score how far a local or regional authority has mainstreamed migration into its planning.

>>> from maturity import load_core_ruleset, load_profile, score
>>> from maturity.loading import bundled_profiles_dir
>>> assessment = score(load_profile(bundled_profiles_dir() / "ph-legazpi.yaml"))
>>> assessment.ruleset["id"]
'core'
"""

from .assessment import Assessment, FactorResult, FindingResult, PillarResult, WhatIf
from .errors import EngineError, InvalidFileError, MaturityError, Problem
from .loading import (
    bundled_profiles_dir,
    bundled_ruleset_path,
    dump_model,
    load_core_ruleset,
    load_file,
    load_profile,
    load_ruleset,
    parse_profile,
    parse_ruleset,
)
from .plan import Plan, compile_plan
from .profile import Answer, Profile
from .ruleset import Ruleset
from .schema import json_schema
from .scoring import Scorer, score

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Assessment",
    "EngineError",
    "FactorResult",
    "FindingResult",
    "InvalidFileError",
    "MaturityError",
    "PillarResult",
    "Plan",
    "Problem",
    "Profile",
    "Ruleset",
    "Scorer",
    "WhatIf",
    "__version__",
    "bundled_profiles_dir",
    "bundled_ruleset_path",
    "compile_plan",
    "dump_model",
    "json_schema",
    "load_core_ruleset",
    "load_file",
    "load_profile",
    "load_ruleset",
    "parse_profile",
    "parse_ruleset",
    "score",
]
