"""The dispatch lifecycle, shared by every role that moves a dispatch: the allowed transitions
(``lifecycle``), the one way to apply one (``transitions``), staging a dispatch for the outbox
(``staging``) and the request's timeline (``timeline``). It imports no other role's code: the
gateway, the relay, the tracker, the dead letters and the deadline watch all import it."""
