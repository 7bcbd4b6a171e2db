"""Tests of keralite.runtime.cache, the on-disk cache of compiled objects."""

import os
import stat
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keralite.runtime import cache


@pytest.fixture
def cdir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("KERALITE_CACHE_DIR", str(d))
    monkeypatch.delenv("KERALITE_DISABLE_DISK_CACHE", raising=False)
    return d


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _files(d):
    return sorted(p for p in d.rglob("*") if p.is_file())


# -- round trip -------------------------------------------------------------


def test_round_trip(cdir):
    assert cache.get("obj", "k1") is None
    cache.put("obj", "k1", b"hello")
    assert cache.get("obj", "k1") == b"hello"
    cache.put("obj", "k1", b"replaced")
    assert cache.get("obj", "k1") == b"replaced"
    # Kinds are separate namespaces; keys can be str or bytes.
    assert cache.get("other", "k1") is None
    cache.put("other", b"k1", b"")
    assert cache.get("other", "k1") == b""
    cache.put("obj", "k\u00e9y\n\x00with\U0001f600", bytearray(b"\x00\xff" * 1000))
    assert cache.get("obj", "k\u00e9y\n\x00with\U0001f600") == b"\x00\xff" * 1000
    assert cache.get("obj", "k1") == b"replaced"
    # No temporary files left behind.
    assert not [p for p in _files(cdir) if p.name.startswith(".tmp")]


def test_large_payload(cdir):
    data = os.urandom(3 << 20)
    cache.put("obj", "big", data)
    assert cache.get("obj", "big") == data


@settings(max_examples=40, deadline=None)
@given(key=st.text(max_size=200), data=st.binary(max_size=2000))
def test_round_trip_any(tmp_path_factory, key, data):
    d = tmp_path_factory.mktemp("c")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KERALITE_CACHE_DIR", str(d))
        mp.delenv("KERALITE_DISABLE_DISK_CACHE", raising=False)
        cache.put("obj", key, data)
        assert cache.get("obj", key) == data
        assert cache.get("obj", key + "x") is None


def test_entry_path_and_filename(cdir):
    p = cache.entry_path("obj", "abc")
    assert p.parent == cdir / "obj"
    assert len(p.name) == 64 and all(c in "0123456789abcdef" for c in p.name)
    assert p != cache.entry_path("obj", "abd")
    assert p != cache.entry_path("ob", "jabc")  # (kind, key) encoded unambiguously
    cache.put("obj", "abc", b"x")
    assert p.is_file()


def test_invalid_kind(cdir):
    for bad in ("", "a/b", "..x/..", "a b", "x" * 65):
        with pytest.raises(ValueError):
            cache.put(bad, "k", b"x")
        with pytest.raises(ValueError):
            cache.get(bad, "k")


def test_concurrent_writers(cdir):
    payloads = [bytes([i]) * (10000 + i) for i in range(8)]

    def writer(i):
        for _ in range(20):
            cache.put("obj", "shared", payloads[i])
            got = cache.get("obj", "shared")
            assert got is None or got in payloads

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.get("obj", "shared") in payloads
    assert not [p for p in _files(cdir) if p.name.startswith(".tmp")]


# -- invalid entries ----------------------------------------------------------


def _entry(kind, key):
    return cache.entry_path(kind, key)


@pytest.mark.parametrize("cut", [0, 1, 7, 20, 59, 60, 63, -1, -100])
def test_truncated_is_miss_and_deleted(cdir, cut):
    cache.put("obj", "key", b"p" * 500)
    path = _entry("obj", "key")
    blob = path.read_bytes()
    path.write_bytes(blob[:cut] if cut >= 0 else blob[:cut])
    assert cache.get("obj", "key") is None
    assert not path.exists()
    # Rebuilt afterwards.
    cache.put("obj", "key", b"again")
    assert cache.get("obj", "key") == b"again"


def test_trailing_garbage_is_miss(cdir):
    cache.put("obj", "key", b"payload")
    path = _entry("obj", "key")
    with open(path, "ab") as f:
        f.write(b"junk")
    assert cache.get("obj", "key") is None
    assert not path.exists()


def test_corrupt_payload_is_miss(cdir):
    cache.put("obj", "key", b"payload-payload")
    path = _entry("obj", "key")
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0x40
    path.write_bytes(bytes(blob))
    assert cache.get("obj", "key") is None
    assert not path.exists()
    cache.put("obj", "key", b"payload-payload")
    assert cache.get("obj", "key") == b"payload-payload"


def test_wrong_magic_and_version(cdir):
    cache.put("obj", "key", b"payload")
    path = _entry("obj", "key")
    good = path.read_bytes()
    path.write_bytes(b"XLCACHE\x00" + good[8:])
    assert cache.get("obj", "key") is None
    assert not path.exists()
    bad_version = good[:8] + (cache.FORMAT_VERSION + 1).to_bytes(4, "little") + good[12:]
    path.write_bytes(bad_version)
    assert cache.get("obj", "key") is None
    assert not path.exists()


def test_foreign_file_is_miss(cdir):
    path = _entry("obj", "key")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(300))
    assert cache.get("obj", "key") is None
    assert not path.exists()
    path.write_bytes(b"")
    assert cache.get("obj", "key") is None


def test_key_mismatch_is_miss(cdir):
    # An entry for another key found under our name (a hash collision, or a
    # file copied around) must not be returned.
    cache.put("obj", "key-a", b"A")
    cache.put("obj", "key-b", b"B")
    a, b = _entry("obj", "key-a"), _entry("obj", "key-b")
    b.write_bytes(a.read_bytes())
    assert cache.get("obj", "key-b") is None
    assert not b.exists()
    assert cache.get("obj", "key-a") == b"A"
    # Same key under another kind.
    cache.put("objx", "key-a", b"X")
    _entry("objx", "key-a").write_bytes(a.read_bytes())
    assert cache.get("objx", "key-a") is None


def test_entry_that_is_a_directory(cdir):
    path = _entry("obj", "key")
    path.mkdir(parents=True)
    assert cache.get("obj", "key") is None
    cache.put("obj", "key", b"x")  # cannot replace a directory: silently nothing
    assert cache.get("obj", "key") is None


# -- directory, permissions, environment ---------------------------------------


def test_permissions(cdir):
    cache.put("obj", "key", b"data")
    assert _mode(cdir) == 0o700
    assert _mode(cdir / "obj") == 0o700
    assert _mode(_entry("obj", "key")) == 0o600


def test_permissions_with_loose_umask(cdir):
    old = os.umask(0)
    try:
        cache.put("obj", "key", b"data")
    finally:
        os.umask(old)
    assert _mode(cdir) == 0o700
    assert _mode(_entry("obj", "key")) == 0o600


def test_existing_loose_dir_is_tightened(cdir):
    cdir.mkdir()
    os.chmod(cdir, 0o755)
    assert cache.cache_dir() == cdir
    assert _mode(cdir) == 0o700


def test_dir_owned_by_someone_else(cdir, monkeypatch):
    cdir.mkdir(mode=0o700)
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 12345)
    with pytest.warns(cache.CacheDirWarning, match="another user"):
        assert cache.cache_dir() is None
    cache.put("obj", "key", b"data")
    assert cache.get("obj", "key") is None
    assert _files(cdir) == []


def test_env_dir_override(tmp_path, monkeypatch):
    monkeypatch.delenv("KERALITE_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.setenv("KERALITE_CACHE_DIR", str(tmp_path / "a" / "b"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "a" / "b"
    cache.put("obj", "k", b"v")
    assert (tmp_path / "a" / "b" / "obj").is_dir()
    assert not (tmp_path / "xdg").exists()


def test_xdg_and_home_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("KERALITE_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.delenv("KERALITE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "keralite"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "keralite"
    assert _mode(tmp_path / "home" / ".cache" / "keralite") == 0o700


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_disabled_by_env(cdir, monkeypatch, value):
    cache.put("obj", "key", b"v")
    monkeypatch.setenv("KERALITE_DISABLE_DISK_CACHE", value)
    assert cache.cache_dir() is None
    assert not cache.disk_cache_enabled()
    assert cache.get("obj", "key") is None
    cache.put("obj", "key2", b"v")
    monkeypatch.setenv("KERALITE_DISABLE_DISK_CACHE", "0")
    assert cache.get("obj", "key") == b"v"
    assert cache.get("obj", "key2") is None


def test_write_errors_degrade_silently(cdir, monkeypatch):
    cache.put("obj", "key", b"v")

    def fail(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache.tempfile, "mkstemp", fail)
    cache.put("obj", "key2", b"v")  # no exception
    assert cache.get("obj", "key2") is None
    monkeypatch.undo()
    monkeypatch.setenv("KERALITE_CACHE_DIR", str(cdir))
    monkeypatch.setattr(cache.os, "replace", fail)
    cache.put("obj", "key3", b"v")
    assert cache.get("obj", "key3") is None
    assert not [p for p in _files(cdir) if p.name.startswith(".tmp")]


def test_read_errors_degrade_silently(cdir, monkeypatch):
    cache.put("obj", "key", b"v")
    real_open = open

    def failing_open(path, *a, **k):
        if str(path).startswith(str(cdir)):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **k)

    real_os_open = os.open

    def failing_os_open(path, *a, **k):
        if str(path).startswith(str(cdir)):
            raise PermissionError(13, "Permission denied")
        return real_os_open(path, *a, **k)

    monkeypatch.setattr("builtins.open", failing_open)
    monkeypatch.setattr(os, "open", failing_os_open)
    assert cache.get("obj", "key") is None


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_dir_degrades_silently(cdir):
    cache.put("obj", "key", b"v")
    os.chmod(cdir / "obj", 0o500)
    try:
        cache.put("obj", "key2", b"v")
        assert cache.get("obj", "key2") is None
        assert cache.get("obj", "key") == b"v"
    finally:
        os.chmod(cdir / "obj", 0o700)


def test_unusable_dir(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    monkeypatch.delenv("KERALITE_DISABLE_DISK_CACHE", raising=False)
    monkeypatch.setenv("KERALITE_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(cache.CacheDirWarning):
        assert cache.cache_dir() is None
    cache.put("obj", "key", b"v")
    assert cache.get("obj", "key") is None
    monkeypatch.setenv("KERALITE_CACHE_DIR", str(blocker))
    with pytest.warns(cache.CacheDirWarning):
        assert cache.cache_dir() is None
