"""Natural language: translator (text -> ACTIONs) and analyst (view -> advice). See docs/NL.md."""
from .boundary import ModelClient, NLSettings
from .analyst import Analyst, heuristic_analysis, postprocess, summarize
from .examples import examples
from .grammar import action_grammar
from .lang import detect_language
from .messages import message
from .parser import RuleResult, parse
from ..protocol import EmptyText, TextTooLong
from .translator import NLInputError, NLRequest, Translator, parse_model_output

__all__ = [
    "Analyst", "EmptyText", "ModelClient", "NLSettings", "NLInputError", "NLRequest", "RuleResult", "TextTooLong", "Translator",
    "action_grammar", "detect_language", "examples", "heuristic_analysis", "message", "parse",
    "parse_model_output", "postprocess", "summarize",
]
