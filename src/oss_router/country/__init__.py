"""Dated, sourced reference data about countries (EU, Schengen, SIS, Europol, Interpol...)."""

from oss_router.country.loader import ReferenceDataError, load_reference_data
from oss_router.country.reference import DatasetInfo, ReferenceData

__all__ = ["DatasetInfo", "ReferenceData", "ReferenceDataError", "load_reference_data"]
