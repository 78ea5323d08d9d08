"""The arguments of ``oss-router token ...`` and ``oss-router client ...``; their handlers
(``token_command``, ``commands``) are imported only when the command runs."""

from typing import Any

from oss_router.auth.principal import Role
from oss_router.command_line import lazy


def register(commands: Any) -> None:
    token = commands.add_parser("token", help="access tokens from the development issuer")
    token_actions = token.add_subparsers(required=True, metavar="action")
    issue = token_actions.add_parser("issue", help="print a development token")
    issue.add_argument("--role", required=True, choices=[role.value for role in Role])
    issue.add_argument("--subject", required=True, help="who the token is for")
    issue.add_argument("--unit", help="the unit (PCCC id for the pccc role)")
    issue.add_argument("--ttl", type=int, help="lifetime in seconds")
    issue.set_defaults(handler=lazy("oss_router.auth.token_command:issue"))

    client = commands.add_parser("client", help="OAuth2 clients (PCCC systems)")
    actions = client.add_subparsers(required=True, metavar="action")
    create = actions.add_parser("create", help="register a PCCC client; prints its secret once")
    create.add_argument("--unit", required=True, help="the PCCC id the client acts for")
    create.add_argument("--name", help="a readable name")
    create.add_argument("--client-id", help="defaults to pccc-<random>")
    create.set_defaults(handler=lazy("oss_router.auth.commands:create"))
    for name, handler, text in [
        (
            "rotate",
            lazy("oss_router.auth.commands:rotate"),
            "new secret; the old one and its tokens stop working",
        ),
        (
            "revoke",
            lazy("oss_router.auth.commands:revoke"),
            "the client and its tokens stop working",
        ),
    ]:
        action = actions.add_parser(name, help=text)
        action.add_argument("client_id")
        action.set_defaults(handler=handler)
    actions.add_parser("list", help="list clients").set_defaults(
        handler=lazy("oss_router.auth.commands:list_clients")
    )
