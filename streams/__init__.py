"""distillguard: streaming detection of model-distillation fleets in LLM API traffic."""

__version__ = "0.1.0"
