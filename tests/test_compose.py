"""docker-compose.yml is complete (no Docker engine here: the file is parsed and checked)."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from oss_router.config import Settings
from oss_router.messages.codes import Channel

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
ROLES = [
    "gateway",
    "relay",
    "tracker",
    "registrar",
    *(f"worker-{c.value.replace('_', '-')}" for c in Channel),
]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    found: dict[str, Any] = document["services"]
    return found


def test_every_role_and_backing_service_is_there(services: dict[str, Any]) -> None:
    assert set(services) == {"postgres", "rabbitmq", "migrate", *ROLES}
    workers = {tuple(services[name]["command"]) for name in services if name.startswith("worker-")}
    assert workers == {("worker", "--channel", channel.value) for channel in Channel}


def test_rabbitmq_comes_with_its_management_ui(services: dict[str, Any]) -> None:
    rabbitmq = services["rabbitmq"]
    assert "management" in rabbitmq["image"]
    assert any(str(port).split(":")[-1] == "15672" for port in rabbitmq["ports"])


@pytest.mark.parametrize("name", ["postgres", "rabbitmq", *ROLES])
def test_long_running_services_have_a_health_check_and_restart(
    services: dict[str, Any], name: str
) -> None:
    service = services[name]
    check = service["healthcheck"]
    assert not check.get("disable", False)
    assert check["test"], name
    assert service["restart"] in {"unless-stopped", "always"}


@pytest.mark.parametrize("name", ROLES)
def test_roles_start_after_healthy_services_and_a_completed_migration(
    services: dict[str, Any], name: str
) -> None:
    assert services[name]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "rabbitmq": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }


def test_migrate_is_a_one_shot_after_postgres(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", [role for role in ROLES if role != "gateway"])
def test_role_health_checks_ask_the_metrics_port_the_role_listens_on(
    services: dict[str, Any], name: str
) -> None:
    service = services[name]
    environment = service["environment"]
    command = service["command"]
    role = f"worker:{command[2]}" if command[0] == "worker" else command[0]
    port = int(environment.get("OSS_ROUTER_METRICS_PORT", Settings().metrics_port_of(role)))
    assert environment["OSS_ROUTER_METRICS_HOST"] == "0.0.0.0"  # noqa: S104 (inside a container)
    assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])


@pytest.mark.parametrize("name", ROLES)
def test_docker_waits_longer_than_the_graceful_shutdown(
    services: dict[str, Any], name: str
) -> None:
    service = services[name]
    grace = float(service["environment"]["OSS_ROUTER_SHUTDOWN_GRACE_SECONDS"])
    match = re.fullmatch(r"(\d+)s", service["stop_grace_period"])
    assert match is not None
    assert int(match[1]) > grace
