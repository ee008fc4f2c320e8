"""A shared ledger's password, kept in the operating system's keyring (Windows Credential Manager, the macOS
Keychain, the Secret Service on Linux) through the ``keyring`` package, never in the settings or a URL on disk.

One entry per server, database and login (``key``). Where the computer has no usable keyring (a headless Linux
session, a locked-down office PC) nothing is kept: ``available()`` says why, and the password is asked each time.
keyring is imported lazily: it costs ~0.2 s and only the connect dialog needs it.
"""
from __future__ import annotations

import logging

SERVICE = "星图共享台账"
MSG_NO_KEYRING = "此电脑没有可用的系统密码库，密码不会保存，每次连接时需要输入"

log = logging.getLogger(__name__)


def key(host: str, port: int, database: str, login: str) -> str:
    """The keyring entry's name for a login on a server's database."""
    return f"{login}@{host}:{port}/{database}"


def _backend():
    """The keyring backend, or None when there is none that can keep a secret (the 'fail' or 'null' one)."""
    try:
        import keyring
        from keyring.backends import fail
        chosen = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001  (a broken keyring install must not stop the connection)
        log.warning("系统密码库不可用：%s", exc)
        return None
    if isinstance(chosen, fail.Keyring) or getattr(chosen, "priority", 1) <= 0:
        return None
    return chosen


def available() -> str | None:
    """None when passwords can be kept on this computer, else the Chinese reason they cannot."""
    return None if _backend() is not None else MSG_NO_KEYRING


def load(entry: str) -> str | None:
    """The password kept for *entry*, or None (none kept, or no keyring)."""
    backend = _backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, entry)
    except Exception as exc:  # noqa: BLE001  (a locked or broken keyring: ask for the password instead)
        log.warning("读取系统密码库失败（%s）：%s", entry, exc)
        return None


def save(entry: str, password: str) -> str | None:
    """Keep *password* for *entry*; None when kept, else the Chinese reason it was not."""
    backend = _backend()
    if backend is None:
        return MSG_NO_KEYRING
    try:
        backend.set_password(SERVICE, entry, password)
    except Exception as exc:  # noqa: BLE001
        log.warning("写入系统密码库失败（%s）：%s", entry, exc)
        return f"密码未能保存到系统密码库：{exc}"
    return None


def forget(entry: str) -> None:
    """Remove the password kept for *entry*, if any."""
    backend = _backend()
    if backend is None:
        return
    try:
        backend.delete_password(SERVICE, entry)
    except Exception as exc:  # noqa: BLE001  (keyring raises PasswordDeleteError when there is none)
        log.info("系统密码库中没有 %s 的密码可删除：%s", entry, exc)
