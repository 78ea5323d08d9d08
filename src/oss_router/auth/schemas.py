"""API schemas of the token endpoints."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from oss_router.auth.principal import Role
from oss_router.field_messages import explained
from oss_router.input import InputModel, forbid_nul_in_schema

SubjectName = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=100,
        pattern=explained(r"^[A-Za-z0-9._@:-]+$", "Use letters, digits and . _ @ : - only."),
    ),
]
UnitName = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=100,
        pattern=explained(r"^[A-Za-z0-9._:-]+$", "Use letters, digits and . _ : - only."),
    ),
]


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the RFC 6750 scheme name
    expires_in: int


class PrincipalRead(BaseModel):
    """The caller as the server sees it: what its token grants after the claim and role
    mapping (``OSS_ROUTER_AUTH_*_CLAIM``, ``OSS_ROUTER_AUTH_ROLE_MAP``), for any issuer."""

    subject: str
    role: Role
    unit: str | None
    actor: str  # how the caller is named on timelines and in the audit log


def _pccc_needs_unit_in_schema(schema: dict[str, Any]) -> None:
    forbid_nul_in_schema(schema)
    schema["if"] = {"properties": {"role": {"const": Role.PCCC.value}}, "required": ["role"]}
    schema["then"] = {"required": ["unit"], "properties": {"unit": {"type": "string"}}}


class DevTokenRequest(InputModel):
    """A token from the development issuer, for any role (development only)."""

    model_config = ConfigDict(json_schema_extra=_pccc_needs_unit_in_schema)

    role: Role
    subject: SubjectName
    unit: UnitName | None = None

    @model_validator(mode="after")
    def _pccc_has_unit(self) -> "DevTokenRequest":
        if self.role is Role.PCCC and self.unit is None:
            raise ValueError("A pccc token needs a unit.")
        return self


class ClientCredentials(InputModel):
    """RFC 6749 §4.4.2 access token request, form-encoded."""

    model_config = ConfigDict(extra="ignore")

    grant_type: str
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    client_secret: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    scope: Annotated[str, StringConstraints(max_length=500)] | None = None


CLIENT_CREDENTIALS_FORM_SCHEMA = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string", "maxLength": 200},
        "client_secret": {"type": "string", "maxLength": 200},
        "scope": {"type": "string", "maxLength": 500},
    },
}
